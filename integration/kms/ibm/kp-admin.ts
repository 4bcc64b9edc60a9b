/**
 * The few Key Protect calls the harness makes as an administrator (Writer or Manager role): create
 * a root key, rotate it, delete it. Plain fetch against IBM's REST API (the same calls against the
 * fake and a real instance), independent of @pme/kms-ibm, the adapter under test.
 */
export class KeyProtectAdmin {
  #token: { value: string; until: number } | undefined

  constructor(
    readonly instanceUrl: string,
    readonly instanceId: string,
    private readonly apiKey: string,
    readonly iamUrl: string,
  ) {}

  async #bearer(): Promise<string> {
    if (this.#token && Date.now() < this.#token.until) return this.#token.value
    const response = await fetch(this.iamUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'urn:ibm:params:oauth:grant-type:apikey',
        apikey: this.apiKey,
      }).toString(),
      signal: AbortSignal.timeout(15_000),
    })
    const body = (await response.json().catch(() => ({}))) as { access_token?: string; expires_in?: number }
    if (!response.ok || !body.access_token)
      throw new Error(`Key Protect admin: IAM token request failed (HTTP ${response.status})`)
    this.#token = { value: body.access_token, until: Date.now() + (body.expires_in ?? 600) * 500 }
    return body.access_token
  }

  async call(
    method: string,
    path: string,
    contentType: string,
    body?: unknown,
  ): Promise<Record<string, unknown> | undefined> {
    const response = await fetch(`${this.instanceUrl}/api/v2/${path}`, {
      method,
      headers: {
        authorization: `Bearer ${await this.#bearer()}`,
        'bluemix-instance': this.instanceId,
        'content-type': contentType,
        accept: 'application/json',
      },
      signal: AbortSignal.timeout(15_000),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await response.text()
    if (!response.ok)
      throw new Error(`Key Protect admin ${method} ${path}: HTTP ${response.status} ${text.slice(0, 300)}`)
    return text ? (JSON.parse(text) as Record<string, unknown>) : undefined
  }

  /** Creates a root key (not extractable) named `name`; returns its id. */
  async createRootKey(name: string): Promise<string> {
    const type = 'application/vnd.ibm.kms.key+json'
    const body = await this.call('POST', 'keys', type, {
      metadata: { collectionType: type, collectionTotal: 1 },
      resources: [{ type, name, extractable: false, description: 'created by the pme integration suites' }],
    })
    const id = (body?.resources as { id?: string }[] | undefined)?.[0]?.id
    if (!id) throw new Error('Key Protect admin: create key returned no id')
    return id
  }

  /** New key material becomes the root key's current version; older versions still unwrap. */
  async rotate(keyId: string): Promise<void> {
    await this.call(
      'POST',
      `keys/${encodeURIComponent(keyId)}/actions/rotate`,
      'application/vnd.ibm.kms.key_action_rotate+json',
      {},
    )
  }

  async deleteKey(keyId: string): Promise<void> {
    await this.call('DELETE', `keys/${encodeURIComponent(keyId)}`, 'application/json')
  }
}
