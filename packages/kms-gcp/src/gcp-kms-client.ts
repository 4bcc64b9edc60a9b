import { KeyManagementServiceClient } from '@google-cloud/kms'
import { type KmsClient, KmsError, PmeError, UsageError, withRetry } from '@pme/core'
import { grpc } from 'google-gax'
import { crc32c } from './crc32c.js'
import { ChecksumMismatch, isTransient, mapGcpError, safeReason } from './errors.js'
import type { GcpEndpoint, GcpKmsSettings } from './settings.js'

/** protobuf Int64Value as the client hands it out (a string for 64-bit values) or takes it. */
type Int64Value = { value?: number | string | { toString(): string } | null } | null | undefined

export interface EncryptRequest {
  name: string
  plaintext: Uint8Array
  plaintextCrc32c: { value: number }
  additionalAuthenticatedData?: Uint8Array
  additionalAuthenticatedDataCrc32c?: { value: number }
}
export interface EncryptResponse {
  name?: string | null
  ciphertext?: Uint8Array | string | null
  ciphertextCrc32c?: Int64Value
  verifiedPlaintextCrc32c?: boolean | null
  verifiedAdditionalAuthenticatedDataCrc32c?: boolean | null
}
export interface DecryptRequest {
  name: string
  ciphertext: Uint8Array
  ciphertextCrc32c: { value: number }
  additionalAuthenticatedData?: Uint8Array
  additionalAuthenticatedDataCrc32c?: { value: number }
}
export interface DecryptResponse {
  plaintext?: Uint8Array | string | null
  plaintextCrc32c?: Int64Value
}
export interface CallOptions {
  timeout: number
  retry: null
  otherArgs?: { headers: Record<string, string> }
}

/** What GcpKmsClient needs of the SDK client: `encrypt` and `decrypt` (and `close`). A stub in unit tests. */
export interface KmsService {
  encrypt(request: EncryptRequest, options: CallOptions): Promise<[EncryptResponse, ...unknown[]]>
  decrypt(request: DecryptRequest, options: CallOptions): Promise<[DecryptResponse, ...unknown[]]>
  close?(): Promise<void>
}

export interface GcpKmsClientOptions {
  /** Additional authenticated data for every Encrypt and Decrypt. */
  additionalAuthenticatedData?: Uint8Array
  /** An OAuth 2.0 access token sent as `authorization: Bearer`; else the SDK client's credentials (ADC). */
  accessToken?: string
  retryAttempts?: number
  requestTimeoutMs?: number
  retryBaseDelayMs?: number
  retryMaxDelayMs?: number
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/
const CRYPTO_KEY = /^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+$/
const KEY_VERSION =
  /^(projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+)\/cryptoKeyVersions\/[^/]+$/

/** A transient failure, its message already made safe; the last one becomes KmsUnavailableError's reason. */
class Transient extends Error {}

function bytes(value: Uint8Array | string | null | undefined): Uint8Array | undefined {
  if (value === null || value === undefined) return undefined
  return typeof value === 'string' ? new Uint8Array(Buffer.from(value, 'base64')) : new Uint8Array(value)
}

function int64(value: Int64Value): number | undefined {
  const raw = value?.value
  return raw === null || raw === undefined ? undefined : Number(String(raw))
}

/**
 * A KmsClient over Cloud KMS: wrap = Encrypt(name = CryptoKey resource name, plaintext = data
 * key), wrapped key = base64(ciphertext); unwrap = Decrypt(name, ciphertext). The ciphertext names
 * the key version it was made with, so unwrap works after the primary version changes. Every call
 * carries CRC32C checksums and checks the ones in the answer, as Google recommends; a mismatch is
 * retried like a transient failure.
 */
export class GcpKmsClient implements KmsClient {
  readonly #kms: KmsService
  readonly #aad: Uint8Array | undefined
  readonly #options: CallOptions
  readonly #retry: { attempts: number; baseDelayMs: number; maxDelayMs: number }

  constructor(kms: KmsService, options: GcpKmsClientOptions = {}) {
    this.#kms = kms
    this.#aad = options.additionalAuthenticatedData?.length ? options.additionalAuthenticatedData : undefined
    this.#options = {
      timeout: options.requestTimeoutMs ?? 10_000,
      retry: null, // retries are ours (bounded, with jitter), not the SDK's
      ...(options.accessToken ? { otherArgs: { headers: { authorization: `Bearer ${options.accessToken}` } } } : {}),
    }
    this.#retry = {
      attempts: options.retryAttempts ?? 4,
      baseDelayMs: options.retryBaseDelayMs ?? 100,
      maxDelayMs: options.retryMaxDelayMs ?? 2_000,
    }
  }

  async wrapKey(key: Uint8Array, masterKeyId: string): Promise<string> {
    checkMasterKeyId(masterKeyId)
    const operation = `wrap with master key ${masterKeyId}`
    const request: EncryptRequest = { name: masterKeyId, plaintext: key, plaintextCrc32c: { value: crc32c(key) } }
    if (this.#aad) {
      request.additionalAuthenticatedData = this.#aad
      request.additionalAuthenticatedDataCrc32c = { value: crc32c(this.#aad) }
    }
    const ciphertext = await this.#call(operation, async () => {
      const [out] = await this.#kms.encrypt(request, this.#options)
      const blob = bytes(out.ciphertext)
      if (!blob || blob.length === 0) throw new KmsError(`GCP KMS: ${operation}: the answer has no ciphertext`)
      if (out.name && out.name !== masterKeyId && !out.name.startsWith(`${masterKeyId}/cryptoKeyVersions/`)) {
        throw new KmsError(`GCP KMS: ${operation}: the answer comes from another key (${out.name})`)
      }
      if (out.verifiedPlaintextCrc32c !== true) throw new ChecksumMismatch('the KMS did not verify plaintextCrc32c')
      if (this.#aad && out.verifiedAdditionalAuthenticatedDataCrc32c !== true) {
        throw new ChecksumMismatch('the KMS did not verify additionalAuthenticatedDataCrc32c')
      }
      if (int64(out.ciphertextCrc32c) !== crc32c(blob)) throw new ChecksumMismatch('ciphertextCrc32c does not match')
      return blob
    })
    return Buffer.from(ciphertext).toString('base64')
  }

  async unwrapKey(wrapped: string, masterKeyId: string): Promise<Uint8Array> {
    checkMasterKeyId(masterKeyId)
    const operation = `unwrap with master key ${masterKeyId}`
    if (!BASE64.test(wrapped) || wrapped.length % 4 !== 0) {
      throw new KmsError(
        `GCP KMS: ${operation}: the wrapped key is not base64 (expected a base64 Cloud KMS ciphertext)`,
      )
    }
    const ciphertext = new Uint8Array(Buffer.from(wrapped, 'base64'))
    const request: DecryptRequest = { name: masterKeyId, ciphertext, ciphertextCrc32c: { value: crc32c(ciphertext) } }
    if (this.#aad) {
      request.additionalAuthenticatedData = this.#aad
      request.additionalAuthenticatedDataCrc32c = { value: crc32c(this.#aad) }
    }
    return this.#call(operation, async () => {
      const [out] = await this.#kms.decrypt(request, this.#options)
      const plaintext = bytes(out.plaintext)
      if (!plaintext || plaintext.length === 0) throw new KmsError(`GCP KMS: ${operation}: the answer has no plaintext`)
      if (int64(out.plaintextCrc32c) !== crc32c(plaintext)) throw new ChecksumMismatch('plaintextCrc32c does not match')
      return plaintext
    })
  }

  /** Closes the SDK client's gRPC channel, so the process can exit. */
  async close(): Promise<void> {
    await this.#kms.close?.()
  }

  /** One KMS call with bounded retries and jitter (core's withRetry); failures mapped to typed errors. */
  #call<T>(operation: string, call: () => Promise<T>): Promise<T> {
    return withRetry(
      async () => {
        try {
          return await call()
        } catch (error) {
          if (PmeError.is(error)) throw error
          if (isTransient(error)) throw new Transient(safeReason(error))
          throw mapGcpError(error, operation)
        }
      },
      {
        ...this.#retry,
        operation: `GCP KMS ${operation}`,
        isTransient: (error) => error instanceof Transient,
      },
    )
  }

  /** The SDK client for this endpoint: TLS with ADC (or a key file) by default, plaintext for `http://` emulators. */
  static sdkClient(settings: GcpKmsSettings, endpoint: GcpEndpoint, accessToken?: string): KeyManagementServiceClient {
    // An explicit channel credential bypasses ADC: plaintext for emulators; TLS when a token is
    // given (the token then travels per call as `authorization: Bearer`).
    const sslCreds = endpoint.insecure
      ? grpc.credentials.createInsecure()
      : accessToken
        ? grpc.credentials.createSsl()
        : undefined
    return new KeyManagementServiceClient({
      apiEndpoint: endpoint.host,
      port: endpoint.port,
      // without ADC, naming the universe keeps google-auth-library from asking the GCE metadata server
      ...(sslCreds ? { sslCreds, universeDomain: 'googleapis.com' } : {}),
      ...(settings.keyFilename ? { keyFilename: settings.keyFilename } : {}),
      // a refused connection is retried by GcpKmsClient: reconnect without the channel's long backoff
      'grpc.initial_reconnect_backoff_ms': 100,
    })
  }
}

/**
 * A CryptoKeyVersion name is refused before any call: Encrypt accepts one, but Decrypt takes only the
 * CryptoKey name, so keys wrapped that way could never be unwrapped (the ciphertext names its version).
 */
function checkMasterKeyId(masterKeyId: string): void {
  const version = KEY_VERSION.exec(masterKeyId)
  if (version) {
    throw new UsageError(
      `GCP KMS master key id "${masterKeyId}" names a key version (cryptoKeyVersions): Decrypt takes only the CryptoKey, so keys wrapped with it could not be unwrapped. Use the CryptoKey name "${version[1]}" (Cloud KMS encrypts with its primary version and records the version in the ciphertext)`,
    )
  }
  if (!masterKeyId || !CRYPTO_KEY.test(masterKeyId)) {
    throw new UsageError(
      `GCP KMS master key id must be a CryptoKey resource name (projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>), got "${masterKeyId}"`,
    )
  }
}
