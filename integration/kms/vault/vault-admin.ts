import { randomBytes } from 'node:crypto'

/**
 * The few Vault/OpenBao HTTP calls the harness makes as an administrator: mount transit, create
 * and rotate keys, write policies, create tokens. Not the adapter under test (that is
 * @pme/kms-vault); plain fetch keeps the two independent.
 */
export class VaultAdmin {
  constructor(
    readonly address: string,
    private readonly token: string,
    readonly mount: string,
    private readonly namespace?: string,
  ) {}

  async call(method: string, path: string, body?: unknown): Promise<Record<string, unknown> | undefined> {
    const response = await fetch(`${this.address}/v1/${path}`, {
      method,
      headers: {
        'X-Vault-Token': this.token,
        'content-type': 'application/json',
        ...(this.namespace ? { 'X-Vault-Namespace': this.namespace } : {}),
      },
      signal: AbortSignal.timeout(10_000),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await response.text()
    if (!response.ok) throw new Error(`Vault admin ${method} ${path}: HTTP ${response.status} ${text.slice(0, 200)}`)
    return text ? (JSON.parse(text) as Record<string, unknown>) : undefined
  }

  async healthy(): Promise<boolean> {
    const response = await fetch(`${this.address}/v1/sys/health`, { signal: AbortSignal.timeout(2_000) })
    return response.status === 200
  }

  /** Mounts transit at `mount` unless it is there; refuses key upserts (unknown names fail, not create). */
  async ensureTransit(): Promise<void> {
    const mounts = (await this.call('GET', 'sys/mounts')) as Record<string, unknown>
    const table = (mounts.data ?? mounts) as Record<string, unknown>
    if (!(`${this.mount}/` in table)) await this.call('POST', `sys/mounts/${this.mount}`, { type: 'transit' })
    await this.call('POST', `${this.mount}/config/keys`, { disable_upsert: true })
  }

  async createKey(prefix: string): Promise<string> {
    const name = `${prefix}-${randomBytes(6).toString('hex')}`
    await this.call('POST', `${this.mount}/keys/${name}`, { type: 'aes256-gcm96' })
    return name
  }

  async rotateKey(name: string): Promise<void> {
    await this.call('POST', `${this.mount}/keys/${name}/rotate`)
  }

  /** Deletes a key the harness created (external mode leaves no keys behind). */
  async deleteKey(name: string): Promise<void> {
    await this.call('POST', `${this.mount}/keys/${name}/config`, { deletion_allowed: true })
    await this.call('DELETE', `${this.mount}/keys/${name}`)
  }

  async deletePolicy(name: string): Promise<void> {
    await this.call('DELETE', `sys/policies/acl/${name}`)
  }

  async setMinDecryptionVersion(name: string, version: number): Promise<void> {
    await this.call('POST', `${this.mount}/keys/${name}/config`, { min_decryption_version: version })
  }

  async writePolicy(name: string, hcl: string): Promise<void> {
    await this.call('PUT', `sys/policies/acl/${name}`, { policy: hcl })
  }

  /** A short-lived token with exactly these policies (no default policy). */
  async createToken(policies: string[]): Promise<string> {
    const body = await this.call('POST', 'auth/token/create', { policies, no_default_policy: true, ttl: '1h' })
    const token = (body?.auth as { client_token?: string } | undefined)?.client_token
    if (!token) throw new Error('Vault admin: token create returned no client_token')
    return token
  }
}

/** The policy @pme/kms-vault's README documents, for keys matching `keys` (a name or a glob). */
export function transitPolicy(mount: string, keys: string): string {
  return ['encrypt', 'decrypt', 'rewrap']
    .map((action) => `path "${mount}/${action}/${keys}" { capabilities = ["create", "update"] }`)
    .join('\n')
}
