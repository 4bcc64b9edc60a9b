import {
  DEFAULT_KMS_VALUE,
  integerSetting,
  type KmsAdapterSettings,
  type KmsConnectionConfig,
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

export function parseSettings(settings: KmsAdapterSettings): GcpKmsSettings {
  const { endpoint, keyFilename, additionalAuthenticatedData } = settings
  if (endpoint) parseEndpoint(endpoint, 'endpoint')
  return {
    ...(endpoint ? { endpoint } : {}),
    ...(keyFilename ? { keyFilename } : {}),
    ...(additionalAuthenticatedData
      ? { additionalAuthenticatedData: new Uint8Array(Buffer.from(additionalAuthenticatedData, 'utf8')) }
      : {}),
    retryAttempts: integerSetting(settings, 'retryAttempts', {
      adapter: 'gcp KMS',
      fallback: DEFAULT_RETRY_ATTEMPTS,
      min: 1,
    }),
    requestTimeoutMs: integerSetting(settings, 'requestTimeoutMs', {
      adapter: 'gcp KMS',
      fallback: DEFAULT_REQUEST_TIMEOUT_MS,
      min: 1,
    }),
    retryBaseDelayMs: integerSetting(settings, 'retryBaseDelayMs', { adapter: 'gcp KMS', fallback: 100, min: 1 }),
    retryMaxDelayMs: integerSetting(settings, 'retryMaxDelayMs', { adapter: 'gcp KMS', fallback: 2_000, min: 1 }),
  }
}

/** `http://h:p` → plaintext; `https://h[:p]` or `h[:p]` → TLS (port 443 unless given). */
export function parseEndpoint(value: string, what = 'endpoint'): GcpEndpoint {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `https://${value}`
  let url: URL
  try {
    url = new URL(withScheme)
  } catch {
    throw new UsageError(`gcp KMS ${what} "${value}" is not host[:port] or a URL (e.g. http://127.0.0.1:9010)`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`gcp KMS ${what} "${value}" must be http:// (emulator, plaintext) or https://`)
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search) {
    throw new UsageError(`gcp KMS ${what} "${value}" must have no path (gRPC: host and port only)`)
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
