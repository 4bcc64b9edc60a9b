import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { KmsAccessDeniedError, KmsError } from '../../src/errors.js'
import type { KmsClient, KmsClientFactory, KmsConnectionConfig } from '../../src/keys/kms-client.js'

/*
 * A KMS for tests, byte-compatible with parquet-java's InMemoryKMS and Arrow's TestOnlyInServerWrapKms
 * (pme-reference §6 "Test / mock KMSs"), written with node:crypto directly so that it checks the
 * library rather than reusing its code:
 *   wrap = base64(nonce12 || AES-GCM(masterKey, key, AAD = UTF-8(masterKeyId)) || tag16)
 * Master keys have versions: wrap uses the newest, unwrap tries the newest first (key rotation).
 * Every call is counted and recorded; `fail` injects errors; `deny` refuses master keys to tokens.
 */

export type KmsOperation = 'wrap' | 'unwrap'

export interface KmsCall {
  readonly op: KmsOperation
  readonly masterKeyId: string
  readonly token: string
  /** 1-based index among all calls of this KMS (failed ones included). */
  readonly index: number
}

const NONCE = 12
const TAG = 16

export const ascii = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'ascii'))
export const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64')
export const unb64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'))

function gcmCipher(key: Uint8Array): 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm' {
  if (key.length === 16) return 'aes-128-gcm'
  if (key.length === 24) return 'aes-192-gcm'
  if (key.length === 32) return 'aes-256-gcm'
  throw new Error(`bad AES key length ${key.length}`)
}

/** base64(nonce || AES-GCM(key, plaintext, aad) || tag), as encryptKeyLocally. */
export function gcmWrap(plaintext: Uint8Array, key: Uint8Array, aad: Uint8Array): string {
  const nonce = randomBytes(NONCE)
  const cipher = createCipheriv(gcmCipher(key), key, nonce)
  cipher.setAAD(aad)
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64')
}

/** The inverse of gcmWrap; throws when the tag does not verify. */
export function gcmUnwrap(wrapped: string | Uint8Array, key: Uint8Array, aad: Uint8Array): Uint8Array {
  const bytes = typeof wrapped === 'string' ? Buffer.from(wrapped, 'base64') : Buffer.from(wrapped)
  const decipher = createDecipheriv(gcmCipher(key), key, bytes.subarray(0, NONCE))
  decipher.setAAD(aad)
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG))
  return new Uint8Array(Buffer.concat([decipher.update(bytes.subarray(NONCE, bytes.length - TAG)), decipher.final()]))
}

/** The parquet-testing master keys (ASCII digit strings, pme-reference §8). */
export const MASTER_KEYS: Readonly<Record<string, Uint8Array>> = {
  kf: ascii('0123456789012345'),
  kc1: ascii('1234567890123450'),
  kc2: ascii('1234567890123451'),
}

export class TestKms {
  readonly calls: KmsCall[] = []
  /** The connection configuration of every client the factory created. */
  readonly clientConfigs: KmsConnectionConfig[] = []
  /** Makes a call fail: return (or throw) an error for it, or undefined to let it through. */
  fail: ((call: KmsCall) => Error | undefined) | undefined
  /** Master key ids a token may not use. */
  deny: ((token: string, masterKeyId: string) => boolean) | undefined
  /** Delay of every call, in ms (0: a microtask), so that concurrent callers overlap. */
  delayMs = 0
  private readonly versions = new Map<string, Uint8Array[]>()

  constructor(keys: Readonly<Record<string, Uint8Array>> = MASTER_KEYS) {
    this.addVersions(keys)
  }

  /** A new current version for each id (InMemoryKMS's new key list). */
  addVersions(keys: Readonly<Record<string, Uint8Array>>): void {
    for (const [id, key] of Object.entries(keys)) this.versions.set(id, [...(this.versions.get(id) ?? []), key])
  }

  /** A KMS holding only the current versions of this one's keys. */
  onlyCurrentVersions(): TestKms {
    const current: Record<string, Uint8Array> = {}
    for (const [id, versions] of this.versions) current[id] = versions[versions.length - 1] as Uint8Array
    return new TestKms(current)
  }

  count(op: KmsOperation, masterKeyId?: string): number {
    return this.calls.filter(
      (call) => call.op === op && (masterKeyId === undefined || call.masterKeyId === masterKeyId),
    ).length
  }

  get wraps(): number {
    return this.count('wrap')
  }

  get unwraps(): number {
    return this.count('unwrap')
  }

  resetCounts(): void {
    this.calls.length = 0
  }

  private async begin(op: KmsOperation, masterKeyId: string, token: string): Promise<void> {
    const call = { op, masterKeyId, token, index: this.calls.length + 1 }
    this.calls.push(call)
    await new Promise((resolve) => (this.delayMs > 0 ? setTimeout(resolve, this.delayMs) : setImmediate(resolve)))
    const error = this.fail?.(call)
    if (error) throw error
    if (this.deny?.(token, masterKeyId)) {
      throw new KmsAccessDeniedError(`access to master key "${masterKeyId}" denied`)
    }
  }

  private keyVersions(masterKeyId: string): Uint8Array[] {
    const versions = this.versions.get(masterKeyId)
    if (!versions || versions.length === 0) throw new KmsError(`unknown master key "${masterKeyId}"`)
    return versions
  }

  async wrap(key: Uint8Array, masterKeyId: string, token: string): Promise<string> {
    await this.begin('wrap', masterKeyId, token)
    const versions = this.keyVersions(masterKeyId)
    return gcmWrap(key, versions[versions.length - 1] as Uint8Array, ascii(masterKeyId))
  }

  async unwrap(wrapped: string, masterKeyId: string, token: string): Promise<Uint8Array> {
    await this.begin('unwrap', masterKeyId, token)
    for (const version of [...this.keyVersions(masterKeyId)].reverse()) {
      try {
        return gcmUnwrap(wrapped, version, ascii(masterKeyId))
      } catch {
        // an older version, or not this key: try the next
      }
    }
    throw new KmsError(`no version of master key "${masterKeyId}" unwraps the key`)
  }

  client(config: KmsConnectionConfig): KmsClient {
    const token = config.keyAccessToken
    return {
      wrapKey: (key, masterKeyId) => this.wrap(key, masterKeyId, token),
      unwrapKey: (wrapped, masterKeyId) => this.unwrap(wrapped, masterKeyId, token),
    }
  }

  /** The factory for `new CryptoFactory(...)`; every client it makes talks to this KMS. */
  readonly factory: KmsClientFactory = (config) => {
    this.clientConfigs.push(config)
    return this.client(config)
  }
}

/** A clock tests move by hand. */
export class FakeClock {
  constructor(public now = 1_700_000_000_000) {}
  readonly read = (): number => this.now
  advanceSeconds(seconds: number): void {
    this.now += seconds * 1000
  }
}

export const utf8 = (bytes: Uint8Array | undefined): string => new TextDecoder().decode(bytes)

/**
 * The data key of PKMT1 key material (a JSON object, any field order), unwrapped with node:crypto and
 * the given master keys only (pme-reference §6): single wrapping is the KMS wrap of the DEK; double
 * wrapping is the KMS wrap of a KEK, and the DEK wrapped locally with AAD = the raw 16-byte KEK id.
 */
export function unwrapIndependently(
  material: Record<string, unknown>,
  masterKeys: Readonly<Record<string, Uint8Array>>,
): { dek: Uint8Array; kek?: Uint8Array } {
  const masterKeyId = material.masterKeyID as string
  const masterKey = masterKeys[masterKeyId]
  if (!masterKey) throw new Error(`no master key ${masterKeyId}`)
  if (material.doubleWrapping !== true) {
    return { dek: gcmUnwrap(material.wrappedDEK as string, masterKey, ascii(masterKeyId)) }
  }
  const kek = gcmUnwrap(material.wrappedKEK as string, masterKey, ascii(masterKeyId))
  return { dek: gcmUnwrap(material.wrappedDEK as string, kek, unb64(material.keyEncryptionKeyID as string)), kek }
}

/** Where the footer region starts: file length - 8 - the u32le footer length before the trailing magic. */
export function footerOffset(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return bytes.length - 8 - view.getUint32(bytes.length - 8, true)
}

export const magic = (bytes: Uint8Array, at: 'head' | 'tail'): string =>
  utf8(at === 'head' ? bytes.subarray(0, 4) : bytes.subarray(bytes.length - 4))
