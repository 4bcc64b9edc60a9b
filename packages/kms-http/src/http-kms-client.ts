import {
  type KmsAdapterSettings,
  type KmsClient,
  type KmsConnectionConfig,
  KmsError,
  kmsConnectionConfig,
  UsageError,
  withRetry,
} from '@pme/core'
import { mapFetchFailure, mapHttpStatus, TransientHttpKmsError } from './errors.js'
import { baseUrlOf, type HttpKmsSettings, parseHttpKmsSettings, tokenOf } from './settings.js'
import { tlsFetch } from './tls-fetch.js'

/** `fetch`, replaceable in tests. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>

export interface HttpKmsClientOptions {
  readonly fetch?: FetchLike
}

type Operation = 'wrap' | 'unwrap'

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/**
 * A KmsClient for the pme HTTP KMS (`@pme/kms-server`, `pme kms serve`): wrapKey =
 * `POST <url>/v1/keys/<id>/wrap {"key": base64}` → `wrappedKey`; unwrapKey =
 * `POST <url>/v1/keys/<id>/unwrap {"wrappedKey"}` → `key`. The access token goes in `x-api-key`
 * (none for "DEFAULT"). Transient failures (no answer, timeout, 429, 5xx) are retried, bounded and
 * with jitter, then fail with KmsUnavailableError. Messages name the key id and the server URL,
 * never a key or the token.
 */
export class HttpKmsClient implements KmsClient {
  readonly #baseUrl: string
  // Private (#): logging a client must not print its token.
  readonly #token: string | undefined
  readonly #settings: HttpKmsSettings
  readonly #fetch: FetchLike

  constructor(
    baseUrl: string,
    token: string | undefined,
    settings: HttpKmsSettings,
    options: HttpKmsClientOptions = {},
  ) {
    this.#baseUrl = baseUrl
    this.#token = token
    this.#settings = settings
    this.#fetch = options.fetch ?? (settings.tls ? tlsFetch(settings.tls) : fetch)
  }

  /** A client from a connection config (instance URL = server URL, access token = x-api-key) and settings. */
  static create(
    connection: Partial<KmsConnectionConfig>,
    settings: KmsAdapterSettings = {},
    options: HttpKmsClientOptions = {},
  ): HttpKmsClient {
    const parsed = parseHttpKmsSettings(settings)
    const config = kmsConnectionConfig(connection)
    return new HttpKmsClient(baseUrlOf(config, parsed), tokenOf(config), parsed, options)
  }

  /** The server's base URL, e.g. `http://127.0.0.1:8001`. */
  get url(): string {
    return this.#baseUrl
  }

  async wrapKey(key: Uint8Array, masterKeyId: string): Promise<string> {
    const body = await this.#call('wrap', masterKeyId, { key: Buffer.from(key).toString('base64') })
    const wrapped = body.wrappedKey
    if (typeof wrapped !== 'string' || wrapped === '') throw this.#unexpected('wrap', masterKeyId)
    return wrapped
  }

  async unwrapKey(wrapped: string, masterKeyId: string): Promise<Uint8Array> {
    const body = await this.#call('unwrap', masterKeyId, { wrappedKey: wrapped })
    const key = body.key
    if (typeof key !== 'string' || key === '' || !BASE64.test(key)) throw this.#unexpected('unwrap', masterKeyId)
    return new Uint8Array(Buffer.from(key, 'base64'))
  }

  #what(operation: Operation, masterKeyId: string): string {
    return `http KMS ${this.#baseUrl}: ${operation} with master key "${masterKeyId}"`
  }

  #unexpected(operation: Operation, masterKeyId: string): KmsError {
    return new KmsError(`${this.#what(operation, masterKeyId)} returned an unexpected answer`)
  }

  async #call(
    operation: Operation,
    masterKeyId: string,
    body: Record<string, string>,
  ): Promise<Record<string, unknown>> {
    if (!masterKeyId) throw new UsageError('the master key id is empty')
    const what = this.#what(operation, masterKeyId)
    const url = `${this.#baseUrl}/v1/keys/${encodeURIComponent(masterKeyId)}/${operation}`
    const once = async () => {
      const { status, json } = await this.#post(url, body, what)
      if (status !== 200) throw mapHttpStatus(status, json, what, this.#token)
      if (typeof json !== 'object' || json === null) throw this.#unexpected(operation, masterKeyId)
      return json as Record<string, unknown>
    }
    const isTransient = (error: unknown) => error instanceof TransientHttpKmsError
    return withRetry(once, { ...this.#settings.retry, isTransient, operation: what })
  }

  async #post(url: string, body: Record<string, string>, what: string): Promise<{ status: number; json: unknown }> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' }
    if (this.#token !== undefined) headers['x-api-key'] = this.#token
    try {
      const response = await this.#fetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.#settings.requestTimeoutMs),
      })
      const text = await response.text()
      return { status: response.status, json: parseJson(text) }
    } catch (error) {
      throw mapFetchFailure(error, what)
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}
