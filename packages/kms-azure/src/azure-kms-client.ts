import { DefaultAzureCredential, type TokenCredential } from '@azure/identity'
import { CryptographyClient, type CryptographyClientOptions, KeyClient, type KeyVaultKey } from '@azure/keyvault-keys'
import { type KmsClient, KmsError, UsageError, withRetry } from '@pme/core'
import { mapAzureError, TransientAzureError } from './errors.js'
import type { AzureKmsSettings } from './settings.js'
import { formatWrappedKey, parseMasterKeyId, parseWrappedKey } from './wrapped-key.js'

/** What the client needs of Key Vault: read a key (its current version), wrap, unwrap. A stub in unit tests. */
export interface KeyVaultOperations {
  /** The key `name` (its current version when `version` is undefined); its `id` is versioned. */
  getKey(name: string, version: string | undefined): Promise<{ id: string }>
  /** wrapKey on the key version `kid` names; resolves to the wrapped bytes. */
  wrapKey(kid: string, algorithm: string, key: Uint8Array): Promise<Uint8Array>
  unwrapKey(kid: string, algorithm: string, wrapped: Uint8Array): Promise<Uint8Array>
}

/** A credential that returns one bearer token (the connection's access token). */
export function staticTokenCredential(token: string): TokenCredential {
  return { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 60 * 60 * 1000 }) }
}

/** The SDK behind KeyVaultOperations: one KeyClient, one CryptographyClient per key version (cached). */
export class SdkKeyVault implements KeyVaultOperations {
  readonly #keys: KeyClient
  readonly #credential: TokenCredential
  readonly #options: CryptographyClientOptions
  readonly #timeoutMs: number
  readonly #crypto = new Map<string, CryptographyClient>()
  readonly #material = new Map<string, KeyVaultKey>()

  constructor(vaultUrl: string, credential: TokenCredential, settings: AzureKmsSettings) {
    // One layer of retries: core's withRetry around each operation; the SDK's own policy is off.
    this.#options = {
      retryOptions: { maxRetries: 0 },
      disableChallengeResourceVerification: settings.disableChallengeResourceVerification,
    }
    this.#keys = new KeyClient(vaultUrl, credential, this.#options)
    this.#credential = credential
    this.#timeoutMs = settings.requestTimeoutMs
  }

  #request() {
    return { requestOptions: { timeout: this.#timeoutMs } }
  }

  async getKey(name: string, version: string | undefined): Promise<{ id: string }> {
    const key = await this.#keys.getKey(name, { ...this.#request(), ...(version ? { version } : {}) })
    if (!key.id) throw new KmsError(`Azure Key Vault: key "${name}" has no identifier`)
    this.#material.set(key.id, key)
    return { id: key.id }
  }

  /**
   * Key versions never change, so a CryptographyClient per version is kept (it also keeps the
   * SDK's challenge-authentication state: one challenge per client, not per call).
   */
  #cryptoFor(kid: string): CryptographyClient {
    let client = this.#crypto.get(kid)
    if (!client) {
      const key = this.#material.get(kid)
      client = key
        ? new CryptographyClient(key, this.#credential, this.#options)
        : new CryptographyClient(kid, this.#credential, this.#options)
      if (this.#crypto.size >= 256) this.#crypto.clear()
      this.#crypto.set(kid, client)
    }
    return client
  }

  async wrapKey(kid: string, algorithm: string, key: Uint8Array): Promise<Uint8Array> {
    const out = await this.#cryptoFor(kid).wrapKey(algorithm as never, key, this.#request())
    return out.result
  }

  async unwrapKey(kid: string, algorithm: string, wrapped: Uint8Array): Promise<Uint8Array> {
    const out = await this.#cryptoFor(kid).unwrapKey(algorithm as never, wrapped, this.#request())
    return out.result
  }
}

/** The credential of these settings: the static token, else DefaultAzureCredential. */
export function credentialFor(settings: AzureKmsSettings, staticToken: string | undefined): TokenCredential {
  if (staticToken !== undefined) return staticTokenCredential(staticToken)
  return new DefaultAzureCredential({
    ...(settings.tenantId ? { tenantId: settings.tenantId } : {}),
    ...(settings.managedIdentityClientId ? { managedIdentityClientId: settings.managedIdentityClientId } : {}),
  })
}

/**
 * A KmsClient over Azure Key Vault (or Managed HSM) keys. wrapKey = read the key's current version,
 * then `wrapKey` with that version; the wrapped key is JSON naming the version (wrapped-key.ts), so
 * unwrapKey calls `unwrapKey` on exactly that version, also after the key was rotated. The vault URL
 * used is always the configured one; the host inside `kid` is never contacted.
 */
export class AzureKeyVaultKmsClient implements KmsClient {
  constructor(
    private readonly vault: KeyVaultOperations,
    private readonly vaultUrl: string,
    private readonly settings: AzureKmsSettings,
  ) {}

  async wrapKey(key: Uint8Array, masterKeyId: string): Promise<string> {
    const id = checkMasterKeyId(masterKeyId)
    const operation = `wrap with master key "${masterKeyId}"`
    return this.#call(operation, async () => {
      const { id: kid } = await this.vault.getKey(id.name, id.version)
      const value = await this.vault.wrapKey(kid, this.settings.algorithm, key)
      if (!value || value.length === 0) throw new KmsError(`Azure Key Vault: ${operation}: the answer has no result`)
      return formatWrappedKey({ kid, alg: this.settings.algorithm, value })
    })
  }

  async unwrapKey(wrapped: string, masterKeyId: string): Promise<Uint8Array> {
    const id = checkMasterKeyId(masterKeyId)
    const operation = `unwrap with master key "${masterKeyId}"`
    const parsed = parseWrappedKey(wrapped, masterKeyId)
    return this.#call(operation, async () => {
      if (parsed.name.toLowerCase() !== id.name.toLowerCase()) {
        // Made with another key: say so, unless the named key does not exist at all.
        await this.vault.getKey(id.name, undefined)
        throw new KmsError(
          `Azure Key Vault: ${operation}: the wrapped key was made with master key "${parsed.name}" (wrong master key)`,
        )
      }
      const { id: kid } = await this.vault.getKey(id.name, parsed.version)
      const key = await this.vault.unwrapKey(kid, parsed.alg, parsed.value)
      if (!key || key.length === 0) throw new KmsError(`Azure Key Vault: ${operation}: the answer has no result`)
      return new Uint8Array(key)
    })
  }

  #call<T>(operation: string, body: () => Promise<T>): Promise<T> {
    return withRetry(
      async () => {
        try {
          return await body()
        } catch (error) {
          if (error instanceof KmsError || error instanceof UsageError) throw error
          throw mapAzureError(error, operation)
        }
      },
      {
        attempts: this.settings.retryAttempts,
        baseDelayMs: this.settings.retryBaseDelayMs,
        maxDelayMs: this.settings.retryMaxDelayMs,
        isTransient: (error) => error instanceof TransientAzureError,
        operation: `Azure Key Vault ${operation} (${this.vaultUrl})`,
      },
    )
  }
}

function checkMasterKeyId(masterKeyId: string): { name: string; version: string | undefined } {
  const id = parseMasterKeyId(masterKeyId)
  if (!id || masterKeyId === 'DEFAULT')
    throw new UsageError(
      `invalid Azure Key Vault master key id "${masterKeyId}": expected a key name or name/version (letters, digits, -)`,
    )
  return id
}
