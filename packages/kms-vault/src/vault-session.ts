import { readFile } from 'node:fs/promises'
import { KmsError, UsageError } from '@pme/core'
import nodeVault from 'node-vault'
import type { VaultAuth, VaultEndpoint, VaultSettings } from './settings.js'
import { vaultRequestFunction } from './vault-request.js'

const noDebug = () => {}

/**
 * One node-vault client and its Vault token: the connection's token, or one obtained by an
 * AppRole / Kubernetes login (once, shared by concurrent calls, repeated after `relogin()`).
 * The token lives in a private field and node-vault's debug logging is off: it would print
 * request bodies, which hold key bytes. Requests go through vaultRequestFunction (no axios, no
 * redirects), and none of node-vault's VAULT_* variables apply: only the configuration counts.
 */
export class VaultSession {
  readonly #client: nodeVault.client
  readonly #auth: VaultAuth
  readonly #timeoutMs: number
  #login: Promise<void> | undefined

  constructor(endpoint: VaultEndpoint, settings: VaultSettings) {
    this.#auth = settings.auth
    this.#timeoutMs = settings.requestTimeoutMs
    this.#client = nodeVault({
      endpoint: endpoint.address,
      apiVersion: 'v1',
      debug: noDebug,
      ...(endpoint.token ? { token: endpoint.token } : {}),
      'request-promise': vaultRequestFunction(settings.tls),
      requestOptions: { timeout: settings.requestTimeoutMs },
    })
    // node-vault falls back to VAULT_TOKEN, VAULT_NAMESPACE and VAULT_PREFIX for what is not given.
    this.#client.token = endpoint.token ?? ''
    Object.assign(this.#client, { namespace: settings.namespace ?? '', pathPrefix: '' })
  }

  /** True when a 403 may be an expired login token worth one more login. */
  get canRelogin(): boolean {
    return this.#auth.method !== 'token'
  }

  relogin(): void {
    this.#login = undefined
  }

  /** POST `<address>/v1/<path>` with a JSON body; resolves to Vault's response body. */
  async post(path: string, body: Record<string, unknown>): Promise<unknown> {
    await this.#ensureLogin()
    return this.#client.write(path, body, { timeout: this.#timeoutMs })
  }

  #ensureLogin(): Promise<void> {
    if (this.#auth.method === 'token') return Promise.resolve()
    if (!this.#login) {
      const attempt = this.#doLogin(this.#auth)
      this.#login = attempt
      attempt.catch(() => {
        if (this.#login === attempt) this.#login = undefined
      })
    }
    return this.#login
  }

  async #doLogin(auth: Exclude<VaultAuth, { method: 'token' }>): Promise<void> {
    const body =
      auth.method === 'approle'
        ? { role_id: auth.roleId, secret_id: auth.secretId }
        : { role: auth.role, jwt: (await readJwt(auth.jwtPath)).trim() }
    this.#client.token = ''
    const response = (await this.#client.write(`auth/${auth.mount}/login`, body, { timeout: this.#timeoutMs })) as {
      auth?: { client_token?: unknown }
    }
    const token = response?.auth?.client_token
    if (typeof token !== 'string' || !token)
      throw new KmsError(`Vault ${auth.method} login at auth/${auth.mount} returned no client token`)
    this.#client.token = token
  }
}

async function readJwt(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    throw new UsageError(
      `vault kubernetes auth: cannot read the service account token at ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    )
  }
}
