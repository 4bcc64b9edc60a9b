import {
  AdapterSettingsDefinition,
  DEFAULT_KMS_VALUE,
  type KmsAdapterSettings,
  type KmsConnectionConfig,
  REQUEST_TIMEOUT_SETTING,
  RETRY_SETTINGS,
  retrySettings,
  UsageError,
} from '@pme/core'

/** Where the client connects: Google's endpoint (TLS) or another one (an emulator: plaintext). */
export interface GcpEndpoint {
  readonly host: string
  readonly port: number
  /** Plaintext gRPC (an `http://` endpoint): emulators only. */
  readonly insecure: boolean
}

/** The adapter's settings, parsed and checked once (pme.config.json `kms.settings`, all strings). */
export interface GcpKmsSettings {
  /** `https://host[:port]`, `host[:port]` (TLS) or `http://host:port` (plaintext, emulators). Else Google's. */
  readonly endpoint?: string
  /** A service account key file; else Application Default Credentials. */
  readonly keyFilename?: string
  /** Additional authenticated data (UTF-8) sent with every Encrypt and Decrypt; must be the same both ways. */
  readonly additionalAuthenticatedData?: Uint8Array
  /** Attempts in all, the first included (default 4). */
  readonly retryAttempts: number
  /** Time allowed for one call, in ms (default 10 000). */
  readonly requestTimeoutMs: number
  /** First retry delay before jitter, doubling (default 100 ms). */
  readonly retryBaseDelayMs: number
  /** Cap on one retry delay (default 2 000 ms). */
  readonly retryMaxDelayMs: number
}

export const DEFAULT_RETRY_ATTEMPTS = 4
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000
export const GOOGLE_ENDPOINT = 'cloudkms.googleapis.com'

/** Every setting the adapter takes (the connection's instance URL may stand for endpoint). */
export const GCP_KMS_SETTINGS = new AdapterSettingsDefinition('gcp KMS', {
  endpoint: {
    type: 'string',
    description: "https://host[:port] or host[:port] (TLS), http://host:port (plaintext, emulators); else Google's",
  },
  keyFilename: { type: 'string', description: 'a service account key file; else Application Default Credentials' },
  additionalAuthenticatedData: {
    type: 'string',
    description: 'additional authenticated data (UTF-8) sent with every Encrypt and Decrypt',
  },
  ...REQUEST_TIMEOUT_SETTING,
  ...RETRY_SETTINGS,
})

export function parseSettings(settings: KmsAdapterSettings): GcpKmsSettings {
  GCP_KMS_SETTINGS.check(settings)
  const { endpoint, keyFilename, additionalAuthenticatedData } = settings
  if (endpoint) parseEndpoint(endpoint, 'endpoint')
  const retry = retrySettings(GCP_KMS_SETTINGS, settings)
  return {
    ...(endpoint ? { endpoint } : {}),
    ...(keyFilename ? { keyFilename } : {}),
    ...(additionalAuthenticatedData
      ? { additionalAuthenticatedData: new Uint8Array(Buffer.from(additionalAuthenticatedData, 'utf8')) }
      : {}),
    retryAttempts: retry.attempts,
    requestTimeoutMs: GCP_KMS_SETTINGS.integer(settings, 'requestTimeoutMs'),
    retryBaseDelayMs: retry.baseDelayMs,
    retryMaxDelayMs: retry.maxDelayMs,
  }
}

/** `http://h:p` → plaintext; `https://h[:p]` or `h[:p]` → TLS (port 443 unless given). */
export function parseEndpoint(value: string, what = 'endpoint'): GcpEndpoint {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `https://${value}`
  let url: URL
  try {
    url = new URL(withScheme)
  } catch {
    throw new UsageError(`gcp KMS ${what} is not host[:port] or a URL (e.g. http://127.0.0.1:9010)`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`gcp KMS ${what} must be http:// (emulator, plaintext) or https://`)
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search) {
    throw new UsageError(`gcp KMS ${what} must have no path (gRPC: host and port only)`)
  }
  const insecure = url.protocol === 'http:'
  const port = url.port ? Number(url.port) : insecure ? 80 : 443
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port, insecure }
}

/** settings.endpoint, else the connection's instance URL unless it is DEFAULT, else Google's own. */
export function endpointFor(settings: GcpKmsSettings, connection: KmsConnectionConfig): GcpEndpoint {
  if (settings.endpoint) return parseEndpoint(settings.endpoint)
  const url = connection.kmsInstanceUrl
  if (url && url !== DEFAULT_KMS_VALUE) return parseEndpoint(url, 'instance URL')
  return { host: GOOGLE_ENDPOINT, port: 443, insecure: false }
}
