import {
  AdapterSettingsDefinition,
  DEFAULT_KMS_VALUE,
  type KmsAdapterSettings,
  type KmsConnectionConfig,
  REQUEST_TIMEOUT_SETTING,
  RETRY_SETTINGS,
  type RetryTiming,
  retrySettings,
  TLS_SETTINGS,
  type TlsClientOptions,
  tlsClientOptions,
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
  /** For https:// servers: CA, client certificate and key, server name (read from their files once). */
  readonly tls: TlsClientOptions | undefined
}

/** Every setting the adapter takes; the server URL and the token are the connection's. */
export const HTTP_KMS_SETTINGS = new AdapterSettingsDefinition('http KMS', {
  url: { type: 'string', description: "the server's base URL when the connection has no KMS instance URL" },
  ...TLS_SETTINGS,
  ...REQUEST_TIMEOUT_SETTING,
  ...RETRY_SETTINGS,
})

export function parseHttpKmsSettings(settings: KmsAdapterSettings): HttpKmsSettings {
  HTTP_KMS_SETTINGS.check(settings)
  const url = HTTP_KMS_SETTINGS.string(settings, 'url')
  return {
    url: url ? serverUrl(url) : undefined,
    requestTimeoutMs: HTTP_KMS_SETTINGS.integer(settings, 'requestTimeoutMs'),
    retry: retrySettings(HTTP_KMS_SETTINGS, settings),
    tls: tlsClientOptions(HTTP_KMS_SETTINGS, settings),
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

/** The server's URL: the connection's KMS instance URL, else the `url` setting; https when TLS settings are given. */
export function baseUrlOf(connection: KmsConnectionConfig, settings: HttpKmsSettings): string {
  const url = isDefault(connection.kmsInstanceUrl) ? settings.url : serverUrl(connection.kmsInstanceUrl)
  if (url && settings.tls && !url.startsWith('https:')) {
    throw new UsageError('the http KMS TLS settings (caFile, clientCertFile, serverName) need an https:// URL')
  }
  if (url) return url
  throw new UsageError(
    'the http KMS needs the server URL as KMS instance URL (instanceUrl, --kms-instance-url) or setting url, e.g. http://127.0.0.1:8001',
  )
}

/** The token to send, or undefined for none ("DEFAULT", parquet-java's and Arrow's "no token", sends no header). */
export function tokenOf(connection: KmsConnectionConfig): string | undefined {
  const token = connection.keyAccessToken.trim()
  return isDefault(token) ? undefined : token
}
