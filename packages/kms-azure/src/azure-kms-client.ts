import { constants, createPublicKey, publicEncrypt } from 'node:crypto'
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity'
import { type KmsClient, KmsError, KmsKeyNotFoundError, UsageError, withRetry } from '@pme/core'
import { mapAzureError, TransientAzureError } from './errors.js'
import type { AzureKmsSettings } from './settings.js'
import { formatWrappedKey, keyIdParts, parseMasterKeyId, parseWrappedKey } from './wrapped-key.js'

/** An RSA public key as Key Vault's get-key answers it (JWK, base64url `n` and `e`). */
export interface PublicKey {
  readonly kid: string
  readonly kty: string
  readonly n: string
  readonly e: string
}

/**
 * What the client needs of Key Vault, on key `name` at `version` (undefined: the current version).
 * A stub in unit tests; `KeyVaultRest` against a vault.
 */
export interface KeyVaultOperations {
  /** wrapKey in Key Vault; answers the versioned key identifier that wrapped, and the wrapped bytes. */
  wrapKey(
    name: string,
    version: string | undefined,
    algorithm: string,
    key: Uint8Array,
  ): Promise<{ kid: string; value: Uint8Array }>
  unwrapKey(name: string, version: string | undefined, algorithm: string, wrapped: Uint8Array): Promise<Uint8Array>
  /** The key's public part (keys/get): for the local public-key wrap only. */
  publicKey(name: string, version: string | undefined): Promise<PublicKey>
}

/** A credential that returns one bearer token (the connection's access token). */
export function staticTokenCredential(token: string): TokenCredential {
  return { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 60 * 60 * 1000 }) }
}

/** DefaultAzureCredential of these settings (tenant, managed identity). */
export function defaultCredential(settings: AzureKmsSettings): TokenCredential {
  return new DefaultAzureCredential({
    ...(settings.tenantId ? { tenantId: settings.tenantId } : {}),
    ...(settings.managedIdentityClientId ? { managedIdentityClientId: settings.managedIdentityClientId } : {}),
  })
}

/** RSA-OAEP-256 and RSA-OAEP with the public key, as Key Vault's wrapKey computes them. */
function wrapLocally(publicKey: PublicKey, algorithm: string, key: Uint8Array): Uint8Array {
  const jwk = { kty: 'RSA', n: publicKey.n, e: publicKey.e }
  const oaepHash = algorithm === 'RSA-OAEP-256' ? 'sha256' : 'sha1'
  const rsa = createPublicKey({ key: jwk, format: 'jwk' })
  return new Uint8Array(publicEncrypt({ key: rsa, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, key))
}

/**
 * A KmsClient over Azure Key Vault (or Managed HSM) keys. wrapKey = Key Vault's wrapKey on the key's
 * current version (one call, in the vault's audit log); the wrapped key is JSON naming the version
 * Key Vault answered (wrapped-key.ts), so unwrapKey calls unwrapKey on exactly that version, also
 * after the key was rotated, without reading the key first. With the `localWrap` setting, wraps are
 * computed here with the key's public part (keys/get, no wrapKey call: not audited as wraps). The
 * vault URL used is always the configured one; the host inside `kid` is never contacted.
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
    const alg = this.settings.algorithm
    return this.#call(operation, async () => {
      const { kid, value } = this.settings.localWrap
        ? await this.#wrapLocally(id, alg, key, operation)
        : await this.vault.wrapKey(id.name, id.version, alg, key)
      const parts = keyIdParts(kid)
      if (!parts || parts.name.toLowerCase() !== id.name.toLowerCase())
        throw new KmsError(`Azure Key Vault: ${operation}: the answer names another key (${kid || 'none'})`)
      if (!value || value.length === 0) throw new KmsError(`Azure Key Vault: ${operation}: the answer has no result`)
      return formatWrappedKey({ kid, alg, value })
    })
  }

  async #wrapLocally(
    id: { name: string; version: string | undefined },
    alg: string,
    key: Uint8Array,
    operation: string,
  ) {
    const publicKey = await this.vault.publicKey(id.name, id.version)
    if (!publicKey.kty.startsWith('RSA') || !publicKey.n || !publicKey.e)
      throw new KmsError(`Azure Key Vault: ${operation}: localWrap needs an RSA key (the key is ${publicKey.kty})`)
    return { kid: publicKey.kid, value: wrapLocally(publicKey, alg, key) }
  }

  async unwrapKey(wrapped: string, masterKeyId: string): Promise<Uint8Array> {
    const id = checkMasterKeyId(masterKeyId)
    const operation = `unwrap with master key "${masterKeyId}"`
    const parsed = parseWrappedKey(wrapped, masterKeyId)
    return this.#call(operation, async () => {
      if (parsed.name.toLowerCase() !== id.name.toLowerCase()) {
        // Made with another key. Unwrapping with the named key tells whether it exists (404) or is
        // simply the wrong one; its answer is never used.
        await this.vault.unwrapKey(id.name, undefined, parsed.alg, parsed.value).catch((error: unknown) => {
          const mapped = mapAzureError(error, operation)
          if (mapped instanceof KmsKeyNotFoundError || mapped instanceof TransientAzureError) throw mapped
        })
        throw new KmsError(
          `Azure Key Vault: ${operation}: the wrapped key was made with master key "${parsed.name}" (wrong master key)`,
        )
      }
      const key = await this.vault.unwrapKey(id.name, parsed.version, parsed.alg, parsed.value)
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
          if (error instanceof KmsError || error instanceof UsageError || error instanceof KmsKeyNotFoundError)
            throw error
          if (error instanceof TransientAzureError) throw error
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
