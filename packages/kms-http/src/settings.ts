import {
  DEFAULT_KMS_VALUE,
  integerSetting,
  type KmsAdapterSettings,
  type KmsConnectionConfig,
  type RetryTiming,
  retrySettings,
  UsageError,
} from '@pme/core'

/** Adapter settings (pme.config.json `kms.settings`, all strings), parsed and checked once. */
export interface HttpKmsSettings {
  /** The server's base URL when the connection has no KMS instance URL. */
  readonly url: string | undefined
  /** Time allowed for one HTTP request, in ms (default 10 s). */
  readonly requestTimeoutMs: number
  /** Attempts (default 4, the first included) and backoff before a transient failure becomes KmsUnavailableError. */
  readonly retry: RetryTiming
}

const SETTINGS = ['url', 'requestTimeoutMs', 'retryAttempts', 'retryBaseDelayMs', 'retryMaxDelayMs']

const ADAPTER = 'http KMS'

export function parseHttpKmsSettings(settings: KmsAdapterSettings): HttpKmsSettings {
  for (const name of Object.keys(settings)) {
    if (!SETTINGS.includes(name))
      throw new UsageError(`unknown http KMS setting ${name} (known: ${SETTINGS.join(', ')})`)
  }
  return {
    url: settings.url ? serverUrl(settings.url) : undefined,
    requestTimeoutMs: integerSetting(settings, 'requestTimeoutMs', { adapter: ADAPTER, fallback: 10_000, min: 1 }),
    retry: retrySettings(settings, ADAPTER),
  }
}

/**
 * A server base URL checked: http(s), no credentials (they would end up in messages; the token goes
 * in a header), no query or fragment; a path prefix is kept (a server behind a proxy), its trailing
 * slashes dropped.
 */
export function serverUrl(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new UsageError('the http KMS URL is not a URL (expected e.g. http://127.0.0.1:8001)')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError('the http KMS URL must be http(s)')
  if (url.username || url.password) {
    throw new UsageError('the http KMS URL must not hold credentials: the access token is sent as x-api-key')
  }
  if (url.search || url.hash) throw new UsageError('the http KMS URL must not have a query or fragment')
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '')
}

const isDefault = (value: string) => value === '' || value === DEFAULT_KMS_VALUE

/** The server's URL: the connection's KMS instance URL, else the `url` setting. */
export function baseUrlOf(connection: KmsConnectionConfig, settings: HttpKmsSettings): string {
  if (!isDefault(connection.kmsInstanceUrl)) return serverUrl(connection.kmsInstanceUrl)
  if (settings.url) return settings.url
  throw new UsageError(
    'the http KMS needs the server URL as KMS instance URL (instanceUrl, --kms-instance-url) or setting url, e.g. http://127.0.0.1:8001',
  )
}

/** The token to send, or undefined for none ("DEFAULT", parquet-java's and Arrow's "no token", sends no header). */
export function tokenOf(connection: KmsConnectionConfig): string | undefined {
  const token = connection.keyAccessToken.trim()
  return isDefault(token) ? undefined : token
}
