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

/** Key wrap algorithms: RSA-OAEP-256 (default) and RSA-OAEP for RSA keys, A256KW for Managed HSM AES keys. */
export const WRAP_ALGORITHMS = ['RSA-OAEP-256', 'RSA-OAEP', 'A256KW'] as const
export type WrapAlgorithm = (typeof WRAP_ALGORITHMS)[number]

/**
 * Where the bearer token comes from: `default` = DefaultAzureCredential (environment, workload
 * identity, managed identity, Azure CLI...); `accessToken` = the connection's access token as is
 * (a token obtained elsewhere; tests and emulators, which accept any token).
 */
export type CredentialSource = 'default' | 'accessToken'

/** The adapter's settings, parsed and checked once (pme.config.json `kms.settings`, all strings). */
export interface AzureKmsSettings {
  /** The vault URL; else the connection's instance URL. */
  readonly vaultUrl: string | undefined
  readonly algorithm: WrapAlgorithm
  readonly credential: CredentialSource
  /** DefaultAzureCredential: tenant and user-assigned managed identity client id. */
  readonly tenantId: string | undefined
  readonly managedIdentityClientId: string | undefined
  /** Skip the SDK's check that the challenge's resource matches the vault's domain (emulators only). */
  readonly disableChallengeResourceVerification: boolean
  /**
   * Wrap here with the key's public part (RSA keys) instead of calling Key Vault's wrapKey: no wrap
   * round trip, but Key Vault records only the key read, not the wraps (default false: wrap in Key Vault).
   */
  readonly localWrap: boolean
  /** Attempts in all, the first included, for transient failures (default 4). */
  readonly retryAttempts: number
  readonly retryBaseDelayMs: number
  readonly retryMaxDelayMs: number
  /** Timeout of one HTTP request, in ms (default 10 000). */
  readonly requestTimeoutMs: number
}

export const DEFAULT_RETRY_ATTEMPTS = 4
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000

/** Every setting the adapter takes (the connection's instance URL may stand for vaultUrl). */
export const AZURE_KMS_SETTINGS = new AdapterSettingsDefinition('azure KMS', {
  vaultUrl: {
    type: 'string',
    description: 'the vault URL, e.g. https://my-vault.vault.azure.net; else the instance URL',
  },
  algorithm: { type: 'string', enum: WRAP_ALGORITHMS, default: 'RSA-OAEP-256', description: 'key wrap algorithm' },
  credential: {
    type: 'string',
    enum: ['default', 'accessToken'],
    default: 'default',
    description: "default: DefaultAzureCredential; accessToken: the connection's access token as the bearer token",
  },
  tenantId: { type: 'string', description: 'DefaultAzureCredential: the tenant' },
  managedIdentityClientId: { type: 'string', description: 'DefaultAzureCredential: a user-assigned managed identity' },
  disableChallengeResourceVerification: {
    type: 'boolean',
    default: false,
    description: "skip the SDK's check of the challenge's resource (emulators only)",
  },
  localWrap: {
    type: 'boolean',
    default: false,
    description:
      "wrap here with the key's public part (RSA keys): no wrap call, but Key Vault records no wrap (default: wrap in Key Vault)",
  },
  ...REQUEST_TIMEOUT_SETTING,
  ...RETRY_SETTINGS,
})

export function checkVaultUrl(value: string, what: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new UsageError(`azure KMS ${what} is not a URL (e.g. https://my-vault.vault.azure.net)`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new UsageError(`azure KMS ${what} must be an https URL (e.g. https://my-vault.vault.azure.net)`)
  return value.replace(/\/+$/, '')
}

function localWrap(settings: KmsAdapterSettings, algorithm: WrapAlgorithm): boolean {
  const local = AZURE_KMS_SETTINGS.boolean(settings, 'localWrap')
  if (local && algorithm === 'A256KW')
    throw new UsageError('azure KMS setting localWrap needs an RSA algorithm (A256KW keys never leave the HSM)')
  return local
}

export function parseSettings(settings: KmsAdapterSettings): AzureKmsSettings {
  AZURE_KMS_SETTINGS.check(settings)
  const vaultUrl = AZURE_KMS_SETTINGS.string(settings, 'vaultUrl')
  const retry = retrySettings(AZURE_KMS_SETTINGS, settings)
  const algorithm = AZURE_KMS_SETTINGS.string(settings, 'algorithm') as WrapAlgorithm
  return {
    vaultUrl: vaultUrl ? checkVaultUrl(vaultUrl, 'setting vaultUrl') : undefined,
    algorithm,
    credential: AZURE_KMS_SETTINGS.string(settings, 'credential') as CredentialSource,
    tenantId: AZURE_KMS_SETTINGS.string(settings, 'tenantId') || undefined,
    managedIdentityClientId: AZURE_KMS_SETTINGS.string(settings, 'managedIdentityClientId') || undefined,
    disableChallengeResourceVerification: AZURE_KMS_SETTINGS.boolean(settings, 'disableChallengeResourceVerification'),
    localWrap: localWrap(settings, algorithm),
    retryAttempts: retry.attempts,
    retryBaseDelayMs: retry.baseDelayMs,
    retryMaxDelayMs: retry.maxDelayMs,
    requestTimeoutMs: AZURE_KMS_SETTINGS.integer(settings, 'requestTimeoutMs'),
  }
}

const isDefault = (value: string) => !value || value === DEFAULT_KMS_VALUE

/** settings.vaultUrl, else the connection's instance URL (required). */
export function vaultUrlFor(settings: AzureKmsSettings, connection: KmsConnectionConfig): string {
  if (settings.vaultUrl) return settings.vaultUrl
  if (isDefault(connection.kmsInstanceUrl))
    throw new UsageError(
      'the azure KMS needs the vault URL as KMS instance URL (instanceUrl), e.g. https://my-vault.vault.azure.net',
    )
  return checkVaultUrl(connection.kmsInstanceUrl, 'instance URL')
}

/** The connection's access token for `credential: accessToken` (not empty, not DEFAULT). */
export function staticTokenFor(settings: AzureKmsSettings, connection: KmsConnectionConfig): string | undefined {
  if (settings.credential !== 'accessToken') return undefined
  if (isDefault(connection.keyAccessToken))
    throw new UsageError(
      'azure KMS setting credential "accessToken" needs a bearer token as access token (accessToken)',
    )
  return connection.keyAccessToken
}
