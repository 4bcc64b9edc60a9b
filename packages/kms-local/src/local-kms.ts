import {
  DEFAULT_KMS_VALUE,
  decryptKeyLocally,
  encryptKeyLocally,
  KmsAccessDeniedError,
  KmsError,
  type PmeError,
  UsageError,
} from '@pme/core'
import { AccessChecker, type AccessPolicy, type KmsOperation } from './access-policy.js'
import { KmsCounters, type KmsStats } from './kms-stats.js'
import { MasterKeyRing, type MasterKeySource } from './master-key-ring.js'

export type LocalKmsOptions = AccessPolicy

const utf8 = new TextEncoder()

/**
 * One KMS "server" in memory: versioned master keys by id, an optional access policy per token, and
 * call counters. Wrapping is parquet-java InMemoryKMS's and Arrow TestOnlyInServerWrapKms's:
 * base64(nonce12 || AES-GCM(masterKey, key, AAD = UTF-8(masterKeyId)) || tag16), so keys wrapped here
 * unwrap there and the other way round.
 */
export class LocalKms {
  readonly #keys = new MasterKeyRing()
  readonly #access: AccessChecker
  readonly #counters = new KmsCounters()

  constructor(masterKeys: MasterKeySource, options: LocalKmsOptions = {}) {
    this.#access = new AccessChecker(options)
    this.#keys.add(masterKeys)
  }

  /**
   * A new version of each master key in `masterKeys` (new ids are added), which new wraps use; keys
   * wrapped with older versions still unwrap. Ids not in the list keep their current version.
   */
  rotate(masterKeys: MasterKeySource): void {
    this.#keys.add(masterKeys)
  }

  /** Wraps `key` with the current version of `masterKeyId`: the bare base64 string, no version tag. */
  wrap(key: Uint8Array, masterKeyId: string, accessToken: string = DEFAULT_KMS_VALUE): string {
    this.#admit('wrap', masterKeyId, accessToken)
    // node:crypto would quietly encrypt a string's UTF-8 bytes: a JavaScript caller's mistake, caught here.
    if (!(key instanceof Uint8Array)) throw new UsageError('the key to wrap must be a Uint8Array')
    const masterKey = this.#keys.current(masterKeyId)
    if (!masterKey) throw unknownKey(masterKeyId)
    return encryptKeyLocally(key, masterKey, utf8.encode(masterKeyId))
  }

  /**
   * Unwraps with the current version of `masterKeyId`, then older ones, newest first. The wrapped
   * string carries no version: the GCM tag tells which version is the right one.
   */
  unwrap(wrapped: string, masterKeyId: string, accessToken: string = DEFAULT_KMS_VALUE): Uint8Array {
    this.#admit('unwrap', masterKeyId, accessToken)
    if (typeof wrapped !== 'string') {
      throw new KmsError(`the wrapped key for master key "${masterKeyId}" is not a string`)
    }
    const versions = this.#keys.newestFirst(masterKeyId)
    if (versions.length === 0) throw unknownKey(masterKeyId)
    const aad = utf8.encode(masterKeyId)
    for (const masterKey of versions) {
      try {
        return decryptKeyLocally(wrapped, masterKey, aad)
      } catch (error) {
        // By code, not instanceof: an application may end up with two copies of @pme/core.
        const code = error instanceof Error ? (error as Partial<PmeError>).code : undefined
        if (code === 'PME_INTEGRITY') continue // not this version: try the next older one
        // Malformed base64 or too short: no version can help. The detail names no key bytes.
        if (code === 'PME_MALFORMED') {
          throw new KmsError(`cannot unwrap with master key "${masterKeyId}": ${(error as PmeError).detail}`)
        }
        throw error
      }
    }
    throw new KmsError(
      `cannot unwrap with any version of master key "${masterKeyId}": wrong master key or tampered wrapped key`,
    )
  }

  /** Ids of the master keys this KMS holds. */
  masterKeyIds(): string[] {
    return this.#keys.ids()
  }

  /** How many versions of a master key this KMS holds (0 when unknown). */
  versionCount(masterKeyId: string): number {
    return this.#keys.versionCount(masterKeyId)
  }

  stats(): KmsStats {
    return this.#counters.snapshot()
  }

  resetStats(): void {
    this.#counters.reset()
  }

  /**
   * Counts the call and applies the access policy. Access is checked before the id is looked up, so a
   * caller without access cannot tell which master key ids exist.
   */
  #admit(operation: KmsOperation, masterKeyId: string, accessToken: string): void {
    const known = this.#keys.has(masterKeyId)
    this.#counters.record(masterKeyId, known, operation === 'wrap' ? 'wrapCalls' : 'unwrapCalls')
    if (this.#access.allows(accessToken, operation, masterKeyId)) return
    this.#counters.record(masterKeyId, known, 'denied')
    // The token is a secret: the message names the key and the operation only.
    throw new KmsAccessDeniedError(`the access token may not ${operation} with master key "${masterKeyId}"`)
  }
}

function unknownKey(masterKeyId: string): KmsError {
  return new KmsError(`master key "${masterKeyId}" is not known to the local KMS`)
}
