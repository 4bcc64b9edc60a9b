import { KmsError } from '@pme/core'
import { mapFetchFailure, mapIamStatus } from './errors.js'

/** `fetch`, replaceable in tests. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>

export interface IamTokenOptions {
  readonly iamUrl: string
  readonly requestTimeoutMs: number
  readonly fetch?: FetchLike
  readonly now?: () => number
}

interface CachedToken {
  readonly accessToken: string
  /** Local clock: past this, fetch a new token before the next call (80 % of the lifetime). */
  readonly refreshAt: number
}

/** Share of a token's lifetime after which it is refreshed (IBM's SDKs refresh at 80 %). */
const REFRESH_SHARE = 0.8

/**
 * IAM access tokens for one IBM Cloud API key: `POST <iamUrl>` with
 * `grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=<key>` →
 * `{"access_token","expires_in","expiration",...}`. The token is cached and fetched again once 80 %
 * of its lifetime has passed (before it expires); concurrent callers share one request (single
 * flight). The API key and tokens live in private fields and never appear in a message.
 */
export class IamTokenSource {
  readonly #apiKey: string
  readonly #options: IamTokenOptions
  readonly #fetch: FetchLike
  readonly #now: () => number
  #cached: CachedToken | undefined
  #pending: Promise<CachedToken> | undefined
  /** Token requests made so far (tests check the cache and the single flight). */
  requests = 0

  constructor(apiKey: string, options: IamTokenOptions) {
    this.#apiKey = apiKey
    this.#options = options
    this.#fetch = options.fetch ?? fetch
    this.#now = options.now ?? Date.now
  }

  /** A valid access token: the cached one until its refresh point, else a new one. */
  async token(): Promise<string> {
    const cached = this.#cached
    if (cached && this.#now() < cached.refreshAt) return cached.accessToken
    if (!this.#pending) {
      const pending = this.#request()
      this.#pending = pending
      pending.then(
        (token) => {
          this.#cached = token
          if (this.#pending === pending) this.#pending = undefined
        },
        () => {
          if (this.#pending === pending) this.#pending = undefined
        },
      )
    }
    return (await this.#pending).accessToken
  }

  /** Drops the cached token (Key Protect answered 401: it may have been revoked). */
  invalidate(): void {
    this.#cached = undefined
  }

  async #request(): Promise<CachedToken> {
    this.requests++
    const started = this.#now()
    const body = new URLSearchParams({ grant_type: 'urn:ibm:params:oauth:grant-type:apikey', apikey: this.#apiKey })
    let response: Response
    try {
      response = await this.#fetch(this.#options.iamUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: body.toString(),
        signal: AbortSignal.timeout(this.#options.requestTimeoutMs),
      })
    } catch (error) {
      throw mapFetchFailure(error, 'IBM Cloud IAM token request')
    }
    const text = await response.text().catch(() => '')
    let json: unknown
    try {
      json = text ? JSON.parse(text) : undefined
    } catch {
      json = undefined
    }
    if (!response.ok) throw mapIamStatus(response.status, json, [this.#apiKey])
    const record = (json ?? {}) as Record<string, unknown>
    const accessToken = record.access_token
    if (typeof accessToken !== 'string' || !accessToken)
      throw new KmsError('IBM Cloud IAM answered without an access_token')
    const lifetimeMs = lifetimeOf(record, started)
    return { accessToken, refreshAt: started + lifetimeMs * REFRESH_SHARE }
  }
}

/** The token's lifetime in ms: `expires_in` (seconds), else `expiration` (epoch seconds), else 20 minutes. */
function lifetimeOf(record: Record<string, unknown>, started: number): number {
  if (typeof record.expires_in === 'number' && record.expires_in > 0) return record.expires_in * 1000
  if (typeof record.expiration === 'number') return Math.max(0, record.expiration * 1000 - started)
  return 20 * 60_000
}
