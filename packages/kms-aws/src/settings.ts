import {
  AdapterSettingsDefinition,
  DEFAULT_KMS_VALUE,
  type KmsAdapterSettings,
  type KmsConnectionConfig,
  UsageError,
} from '@pme/core'

/** The adapter's settings, parsed and checked once (pme.config.json `kms.settings`, all strings). */
export interface AwsKmsSettings {
  /** AWS region; else the SDK's chain (AWS_REGION, profile). */
  readonly region?: string
  /** Endpoint URL (an emulator, a VPC endpoint); else the connection's instance URL, else AWS's. */
  readonly endpoint?: string
  /** Named profile of the shared config/credentials files. */
  readonly profile?: string
  /** Static credentials (tests, emulators); else the SDK's default provider chain. */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  /** Attempts in all, the first included, of the SDK's standard retry strategy (default 4). */
  readonly maxAttempts: number
  /** Time allowed for one HTTP request, in ms (default 10 000). */
  readonly requestTimeoutMs: number
  /** Time allowed to open a connection, in ms (default 5 000). */
  readonly connectionTimeoutMs: number
  /** Encryption context (AAD) sent with every Encrypt and Decrypt; empty = none. */
  readonly encryptionContext: Readonly<Record<string, string>>
  /** Grant tokens sent with every Encrypt and Decrypt (comma list in the setting); empty = none. */
  readonly grantTokens: readonly string[]
}

export const DEFAULT_MAX_ATTEMPTS = 4
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000
export const DEFAULT_CONNECTION_TIMEOUT_MS = 5_000

const CONTEXT_PREFIX = 'encryptionContext.'

/** Every setting the adapter takes (the connection's instance URL may stand for endpoint). */
export const AWS_KMS_SETTINGS = new AdapterSettingsDefinition('aws KMS', {
  region: { type: 'string', description: "AWS region; else the SDK's chain (AWS_REGION, profile)" },
  endpoint: {
    type: 'string',
    description: "endpoint URL (an emulator, a VPC endpoint); else the instance URL, else AWS's",
  },
  profile: { type: 'string', description: 'named profile of the shared config and credentials files' },
  accessKeyId: {
    type: 'string',
    description: "static credentials (with secretAccessKey); else the SDK's default chain",
  },
  secretAccessKey: { type: 'string', secret: true, description: 'static credentials: the secret access key' },
  sessionToken: { type: 'string', secret: true, description: 'static credentials: the session token' },
  maxAttempts: {
    type: 'integer',
    min: 1,
    default: DEFAULT_MAX_ATTEMPTS,
    description: "attempts in all, the first included, of the SDK's standard retry strategy",
  },
  requestTimeoutMs: {
    type: 'integer',
    min: 1,
    default: DEFAULT_REQUEST_TIMEOUT_MS,
    description: 'time allowed for one HTTP request, in ms',
  },
  connectionTimeoutMs: {
    type: 'integer',
    min: 1,
    default: DEFAULT_CONNECTION_TIMEOUT_MS,
    description: 'time allowed to open a connection, in ms',
  },
  encryptionContext: {
    type: 'string',
    description: 'encryption context sent with every Encrypt and Decrypt: a JSON object of strings',
  },
  'encryptionContext.*': { type: 'string', description: 'one encryption context entry: encryptionContext.<key>' },
  grantTokens: {
    type: 'string',
    description: 'grant tokens sent with every Encrypt and Decrypt: a comma list, at most 10',
  },
})

function encryptionContext(settings: KmsAdapterSettings): Record<string, string> {
  const context: Record<string, string> = {}
  const json = settings.encryptionContext
  if (json) {
    let parsed: unknown
    try {
      parsed = JSON.parse(json)
    } catch {
      throw new UsageError('aws KMS setting encryptionContext must be a JSON object of strings')
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new UsageError('aws KMS setting encryptionContext must be a JSON object of strings')
    }
    for (const [key, value] of Object.entries(parsed)) {
      if (typeof value !== 'string') {
        throw new UsageError(`aws KMS setting encryptionContext: the value of "${key}" must be a string`)
      }
      context[key] = value
    }
  }
  for (const [name, value] of Object.entries(settings)) {
    if (name.startsWith(CONTEXT_PREFIX) && name.length > CONTEXT_PREFIX.length) {
      context[name.slice(CONTEXT_PREFIX.length)] = value
    }
  }
  return context
}

function credentials(settings: KmsAdapterSettings): AwsKmsSettings['credentials'] {
  const { accessKeyId, secretAccessKey, sessionToken } = settings
  if (!accessKeyId && !secretAccessKey) return undefined
  if (!accessKeyId || !secretAccessKey) {
    throw new UsageError('aws KMS settings accessKeyId and secretAccessKey go together (or use the default chain)')
  }
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey }
}

/** AWS KMS accepts at most 10 grant tokens per request. */
const MAX_GRANT_TOKENS = 10

function grantTokens(settings: KmsAdapterSettings): string[] {
  const tokens = (settings.grantTokens ?? '')
    .split(',')
    .map((token) => token.trim())
    .filter(Boolean)
  if (tokens.length > MAX_GRANT_TOKENS)
    throw new UsageError(`aws KMS setting grantTokens: at most ${MAX_GRANT_TOKENS} tokens (got ${tokens.length})`)
  return tokens
}

export function parseSettings(settings: KmsAdapterSettings): AwsKmsSettings {
  AWS_KMS_SETTINGS.check(settings)
  const { region, endpoint, profile } = settings
  if (endpoint) checkUrl(endpoint, 'endpoint')
  return {
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(profile ? { profile } : {}),
    credentials: credentials(settings),
    maxAttempts: AWS_KMS_SETTINGS.integer(settings, 'maxAttempts'),
    requestTimeoutMs: AWS_KMS_SETTINGS.integer(settings, 'requestTimeoutMs'),
    connectionTimeoutMs: AWS_KMS_SETTINGS.integer(settings, 'connectionTimeoutMs'),
    encryptionContext: encryptionContext(settings),
    grantTokens: grantTokens(settings),
  }
}

function checkUrl(value: string, what: string): void {
  try {
    new URL(value)
  } catch {
    throw new UsageError(`aws KMS ${what} is not a URL (e.g. https://kms.eu-west-1.amazonaws.com)`)
  }
}

/** settings.endpoint, else the connection's instance URL unless it is DEFAULT, else none (AWS's own). */
export function endpointFor(settings: AwsKmsSettings, connection: KmsConnectionConfig): string | undefined {
  if (settings.endpoint) return settings.endpoint
  const url = connection.kmsInstanceUrl
  if (!url || url === DEFAULT_KMS_VALUE) return undefined
  checkUrl(url, 'instance URL')
  return url
}
