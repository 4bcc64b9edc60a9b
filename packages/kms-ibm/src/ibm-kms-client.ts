import { randomUUID } from 'node:crypto'
import {
  DEFAULT_KMS_VALUE,
  type KmsAdapterSettings,
  type KmsClient,
  type KmsConnectionConfig,
  KmsError,
  kmsConnectionConfig,
  UsageError,
  withRetry,
} from '@pme/core'
import { mapFetchFailure, mapKeyProtectStatus, TransientIbmError } from './errors.js'
import { type FetchLike, IamTokenSource } from './iam-token.js'
import { type IbmEndpoint, type IbmSettings, ibmEndpoint, parseIbmSettings } from './settings.js'

/** What a wrap answers: the ciphertext (the wrapped key) and the root key version it was made with. */
export interface IbmWrapResult {
  readonly ciphertext: string
  readonly keyVersion: string | undefined
}

/** What an unwrap answers; `rewrapped` is set when the ciphertext was made with an older key version. */
export interface IbmUnwrapResult {
  readonly plaintext: Uint8Array
  readonly keyVersion: string | undefined
  /** The same key wrapped with the newest version (Key Protect returns it after a rotation). */
  readonly rewrapped: IbmWrapResult | undefined
}

type KeyAction = 'wrap' | 'unwrap' | 'rewrap'

/** Base64 (standard alphabet, padded), as Key Protect's ciphertexts are. */
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

export interface IbmKmsClientOptions {
  /** `fetch`, replaceable in tests. */
  readonly fetch?: FetchLike
  readonly now?: () => number
}

/**
 * A KmsClient over IBM Key Protect's REST API (v2): wrapKey = `POST <endpoint>/api/v2/keys/<root key
 * id>/actions/wrap` with `{"plaintext": base64(key)}`, and the wrapped key is the returned
 * `ciphertext` as is; unwrapKey = `.../actions/unwrap` with `{"ciphertext"}`. Headers:
 * `authorization: Bearer <IAM token>`, `bluemix-instance: <instance GUID>`. Transient failures are
 * retried (bounded, with jitter), then fail with KmsUnavailableError.
 */
export class IbmKmsClient implements KmsClient {
  readonly #endpoint: IbmEndpoint
  readonly #settings: IbmSettings
  readonly #tokens: IamTokenSource | undefined
  readonly #fetch: FetchLike
  readonly #secrets: string[]

  constructor(endpoint: IbmEndpoint, settings: IbmSettings, options: IbmKmsClientOptions = {}) {
    this.#endpoint = endpoint
    this.#settings = settings
    this.#fetch = options.fetch ?? fetch
    const { credential } = endpoint
    this.#tokens =
      credential.kind === 'apiKey'
        ? new IamTokenSource(credential.apiKey, {
            iamUrl: settings.iamUrl,
            requestTimeoutMs: settings.requestTimeoutMs,
            fetch: this.#fetch,
            ...(options.now ? { now: options.now } : {}),
          })
        : undefined
    this.#secrets = [credential.kind === 'apiKey' ? credential.apiKey : credential.token]
  }

  /**
   * A client from a connection config (instance URL = regional endpoint, instance id = instance
   * GUID, access token = API key or IAM token) and adapter settings, as the factory builds it.
   */
  static create(
    connection: Partial<KmsConnectionConfig>,
    settings: KmsAdapterSettings = {},
    options: IbmKmsClientOptions = {},
  ): IbmKmsClient {
    const parsed = parseIbmSettings(settings)
    return new IbmKmsClient(ibmEndpoint(kmsConnectionConfig(connection), parsed), parsed, options)
  }

  /** IAM token requests made so far (0 when the connection holds an IAM token). */
  get tokenRequests(): number {
    return this.#tokens?.requests ?? 0
  }

  async wrapKey(key: Uint8Array, masterKeyId: string): Promise<string> {
    return (await this.wrap(key, masterKeyId)).ciphertext
  }

  async unwrapKey(wrapped: string, masterKeyId: string): Promise<Uint8Array> {
    return (await this.unwrap(wrapped, masterKeyId)).plaintext
  }

  /** Wraps with the newest version of the root key; also says which version. */
  async wrap(key: Uint8Array, masterKeyId: string): Promise<IbmWrapResult> {
    checkKeyId(masterKeyId)
    const body = { plaintext: Buffer.from(key).toString('base64') }
    const data = await this.#action('wrap', masterKeyId, body)
    return wrapResult(data, 'keyVersion', `wrap with root key "${masterKeyId}"`)
  }

  /** Unwraps a ciphertext made with any version of the root key. */
  async unwrap(wrapped: string, masterKeyId: string): Promise<IbmUnwrapResult> {
    checkKeyId(masterKeyId)
    checkCiphertext(wrapped, masterKeyId)
    const data = await this.#action('unwrap', masterKeyId, { ciphertext: wrapped })
    const plaintext = data.plaintext
    if (typeof plaintext !== 'string' || !BASE64.test(plaintext))
      throw new KmsError(`Key Protect: unwrap with root key "${masterKeyId}" returned no plaintext`)
    const rewrapped =
      typeof data.ciphertext === 'string' && data.ciphertext !== wrapped
        ? { ciphertext: data.ciphertext, keyVersion: versionId(data.rewrappedKeyVersion) }
        : undefined
    return {
      plaintext: new Uint8Array(Buffer.from(plaintext, 'base64')),
      keyVersion: versionId(data.keyVersion),
      rewrapped,
    }
  }

  /**
   * Re-encrypts a wrapped key with the newest version of its root key inside Key Protect (the key
   * bytes never leave it): `POST .../actions/rewrap`. The result unwraps as before.
   */
  async rewrap(wrapped: string, masterKeyId: string): Promise<string> {
    checkKeyId(masterKeyId)
    checkCiphertext(wrapped, masterKeyId)
    const data = await this.#action('rewrap', masterKeyId, { ciphertext: wrapped })
    return wrapResult(data, 'rewrappedKeyVersion', `rewrap with root key "${masterKeyId}"`).ciphertext
  }

  async #action(
    action: KeyAction,
    masterKeyId: string,
    body: Record<string, string>,
  ): Promise<Record<string, unknown>> {
    const operation = `${action} with root key "${masterKeyId}"`
    const url = `${this.#endpoint.instanceUrl}/api/v2/keys/${encodeURIComponent(masterKeyId)}/actions/${action}`
    const attempt = async () => {
      const first = await this.#post(url, action, body, operation)
      if (first.status !== 401 || !this.#tokens) return first
      // The cached token may have been revoked or expired early: one new token, then judge.
      this.#tokens.invalidate()
      return this.#post(url, action, body, operation)
    }
    const once = async () => {
      const { status, json } = await attempt()
      if (status < 200 || status >= 300) throw mapKeyProtectStatus(status, json, operation, this.#secrets)
      if (typeof json !== 'object' || json === null)
        throw new KmsError(`Key Protect: ${operation} returned an unexpected response`)
      return json as Record<string, unknown>
    }
    return withRetry(once, {
      attempts: this.#settings.retryAttempts,
      baseDelayMs: this.#settings.retryBaseDelayMs,
      maxDelayMs: this.#settings.retryMaxDelayMs,
      isTransient: (error) => error instanceof TransientIbmError,
      operation: `Key Protect ${operation}`,
    })
  }

  async #post(
    url: string,
    action: KeyAction,
    body: Record<string, string>,
    operation: string,
  ): Promise<{ status: number; json: unknown }> {
    const token = this.#tokens ? await this.#tokens.token() : this.#secrets[0]
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      'bluemix-instance': this.#endpoint.instanceId,
      'content-type': `application/vnd.ibm.kms.key_action_${action}+json`,
      accept: 'application/json',
      'correlation-id': randomUUID(),
    }
    if (this.#settings.keyRing) headers['x-kms-key-ring'] = this.#settings.keyRing
    let response: Response
    try {
      response = await this.#fetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.#settings.requestTimeoutMs),
      })
    } catch (error) {
      throw mapFetchFailure(error, `Key Protect ${operation}`)
    }
    let text: string
    try {
      text = await response.text()
    } catch (error) {
      throw mapFetchFailure(error, `Key Protect ${operation}`)
    }
    let json: unknown
    try {
      json = text ? JSON.parse(text) : undefined
    } catch {
      json = undefined
    }
    return { status: response.status, json }
  }
}

function versionId(value: unknown): string | undefined {
  const id = (value as { id?: unknown } | undefined)?.id
  return typeof id === 'string' ? id : undefined
}

function wrapResult(data: Record<string, unknown>, versionField: string, operation: string): IbmWrapResult {
  const ciphertext = data.ciphertext
  if (typeof ciphertext !== 'string' || !ciphertext)
    throw new KmsError(`Key Protect: ${operation} returned no ciphertext`)
  return { ciphertext, keyVersion: versionId(data[versionField]) }
}

function checkKeyId(masterKeyId: string): void {
  if (!masterKeyId || masterKeyId === DEFAULT_KMS_VALUE || /[/?#\s]/.test(masterKeyId))
    throw new UsageError(`invalid Key Protect root key id or alias "${masterKeyId}"`)
}

function checkCiphertext(wrapped: string, masterKeyId: string): void {
  if (!BASE64.test(wrapped))
    throw new KmsError(`wrapped key for root key "${masterKeyId}" is not a Key Protect ciphertext (base64)`)
}
