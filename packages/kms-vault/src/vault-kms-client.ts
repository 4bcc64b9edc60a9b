import {
  KmsAccessDeniedError,
  type KmsAdapterSettings,
  type KmsClient,
  type KmsConnectionConfig,
  KmsError,
  kmsConnectionConfig,
  UsageError,
  withRetry,
} from '@pme/core'
import { mapVaultError, TransientVaultError } from './errors.js'
import { parseVaultSettings, type VaultEndpoint, type VaultSettings, vaultEndpoint } from './settings.js'
import { VaultSession } from './vault-session.js'

/** Transit ciphertext as Vault writes it: `vault:v<version>:<base64>`. */
const TRANSIT_CIPHERTEXT = /^vault:v(\d+):[A-Za-z0-9+/]+={0,2}$/

/** The key version a transit ciphertext was made with (`vault:v3:...` → 3), or undefined. */
export function transitKeyVersion(wrapped: string): number | undefined {
  const match = TRANSIT_CIPHERTEXT.exec(wrapped)
  return match ? Number(match[1]) : undefined
}

const pathSegment = (name: string) => encodeURIComponent(name)

/**
 * A KmsClient over Vault (or OpenBao) Transit, as parquet-java's VaultClient sample:
 * wrapKey = POST `<address>/v1/<mount>/encrypt/<key>` with the key in base64, and the wrapped key
 * is the returned transit ciphertext (`vault:vN:...`) as is; unwrapKey = POST `.../decrypt/<key>`.
 * Transient failures are retried (bounded, with jitter), then fail with KmsUnavailableError.
 */
export class VaultKmsClient implements KmsClient {
  readonly #session: VaultSession
  readonly #mount: string
  readonly #settings: VaultSettings

  constructor(endpoint: VaultEndpoint, settings: VaultSettings) {
    this.#session = new VaultSession(endpoint, settings)
    this.#mount = endpoint.mount
    this.#settings = settings
  }

  /**
   * A client from a connection config (instance URL = Vault address, instance id = transit mount,
   * access token = Vault token) and adapter settings, as `createKmsClientFactory(settings)` builds it.
   */
  static create(connection: Partial<KmsConnectionConfig>, settings: KmsAdapterSettings = {}): VaultKmsClient {
    const parsed = parseVaultSettings(settings)
    return new VaultKmsClient(vaultEndpoint(kmsConnectionConfig(connection), parsed.auth), parsed)
  }

  async wrapKey(key: Uint8Array, masterKeyId: string): Promise<string> {
    checkKeyId(masterKeyId)
    const body = { plaintext: Buffer.from(key).toString('base64') }
    const data = await this.#call('encrypt', masterKeyId, body, `wrap with master key "${masterKeyId}"`)
    return ciphertextOf(data, masterKeyId)
  }

  async unwrapKey(wrapped: string, masterKeyId: string): Promise<Uint8Array> {
    checkKeyId(masterKeyId)
    checkCiphertext(wrapped, masterKeyId)
    const data = await this.#call(
      'decrypt',
      masterKeyId,
      { ciphertext: wrapped },
      `unwrap with master key "${masterKeyId}"`,
    )
    const plaintext = data.plaintext
    if (typeof plaintext !== 'string')
      throw new KmsError(`Vault: unwrap with master key "${masterKeyId}" returned no plaintext`)
    return new Uint8Array(Buffer.from(plaintext, 'base64'))
  }

  /**
   * Re-encrypts a wrapped key with the newest version of its master key, inside Vault (the key
   * bytes never leave it): POST `.../rewrap/<key>`. The result unwraps as before.
   */
  async rewrap(wrapped: string, masterKeyId: string): Promise<string> {
    checkKeyId(masterKeyId)
    checkCiphertext(wrapped, masterKeyId)
    const data = await this.#call(
      'rewrap',
      masterKeyId,
      { ciphertext: wrapped },
      `rewrap with master key "${masterKeyId}"`,
    )
    return ciphertextOf(data, masterKeyId)
  }

  async #call(
    action: 'encrypt' | 'decrypt' | 'rewrap',
    masterKeyId: string,
    body: Record<string, unknown>,
    operation: string,
  ): Promise<Record<string, unknown>> {
    const path = `${this.#mount}/${action}/${pathSegment(masterKeyId)}`
    const once = async () => {
      try {
        return await this.#session.post(path, body)
      } catch (error) {
        throw mapVaultError(error, operation)
      }
    }
    const attempt = async () => {
      try {
        return await once()
      } catch (error) {
        // A login token may have expired: log in again, once, before calling it denied.
        if (!(error instanceof KmsAccessDeniedError) || !this.#session.canRelogin) throw error
        this.#session.relogin()
        return await once()
      }
    }
    const response = await withRetry(attempt, {
      attempts: this.#settings.retryAttempts,
      baseDelayMs: this.#settings.retryBaseDelayMs,
      maxDelayMs: this.#settings.retryMaxDelayMs,
      isTransient: (error) => error instanceof TransientVaultError,
      operation: `Vault ${operation}`,
    })
    const data = (response as { data?: unknown } | undefined)?.data
    if (typeof data !== 'object' || data === null)
      throw new KmsError(`Vault: ${operation} returned an unexpected response`)
    return data as Record<string, unknown>
  }
}

function checkKeyId(masterKeyId: string): void {
  if (!masterKeyId || masterKeyId.includes('/')) throw new UsageError(`invalid Vault transit key name "${masterKeyId}"`)
}

function checkCiphertext(wrapped: string, masterKeyId: string): void {
  if (transitKeyVersion(wrapped) === undefined)
    throw new KmsError(`wrapped key for master key "${masterKeyId}" is not a Vault transit ciphertext (vault:vN:...)`)
}

function ciphertextOf(data: Record<string, unknown>, masterKeyId: string): string {
  const ciphertext = data.ciphertext
  if (typeof ciphertext !== 'string' || transitKeyVersion(ciphertext) === undefined)
    throw new KmsError(`Vault: master key "${masterKeyId}" returned no transit ciphertext`)
  return ciphertext
}
