import {
  DEFAULT_KMS_VALUE,
  integerSetting,
  type KmsAdapterSettings,
  type KmsConnectionConfig,
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

function boolean(settings: KmsAdapterSettings, name: string): boolean {
  const raw = settings[name]
  if (raw === undefined || raw === '' || raw === 'false') return false
  if (raw === 'true') return true
  throw new UsageError(`azure KMS setting ${name} must be "true" or "false", got "${raw}"`)
}

export function checkVaultUrl(value: string, what: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new UsageError(`azure KMS ${what} "${value}" is not a URL (e.g. https://my-vault.vault.azure.net)`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new UsageError(`azure KMS ${what} must be an https URL (e.g. https://my-vault.vault.azure.net)`)
  return value.replace(/\/+$/, '')
}

function localWrap(settings: KmsAdapterSettings, algorithm: WrapAlgorithm): boolean {
  const local = boolean(settings, 'localWrap')
  if (local && algorithm === 'A256KW')
    throw new UsageError('azure KMS setting localWrap needs an RSA algorithm (A256KW keys never leave the HSM)')
  return local
}

export function parseSettings(settings: KmsAdapterSettings): AzureKmsSettings {
  const algorithm = (settings.algorithm || 'RSA-OAEP-256') as WrapAlgorithm
  if (!WRAP_ALGORITHMS.includes(algorithm))
    throw new UsageError(`azure KMS setting algorithm must be one of ${WRAP_ALGORITHMS.join(', ')}`)
  const credential = (settings.credential || 'default') as CredentialSource
  if (credential !== 'default' && credential !== 'accessToken')
    throw new UsageError('azure KMS setting credential must be "default" or "accessToken"')
  return {
    vaultUrl: settings.vaultUrl ? checkVaultUrl(settings.vaultUrl, 'setting vaultUrl') : undefined,
    algorithm,
    credential,
    tenantId: settings.tenantId || undefined,
    managedIdentityClientId: settings.managedIdentityClientId || undefined,
    disableChallengeResourceVerification: boolean(settings, 'disableChallengeResourceVerification'),
    localWrap: localWrap(settings, algorithm),
    retryAttempts: integerSetting(settings, 'retryAttempts', {
      adapter: 'azure KMS',
      fallback: DEFAULT_RETRY_ATTEMPTS,
      min: 1,
    }),
    retryBaseDelayMs: integerSetting(settings, 'retryBaseDelayMs', { adapter: 'azure KMS', fallback: 100, min: 0 }),
    retryMaxDelayMs: integerSetting(settings, 'retryMaxDelayMs', { adapter: 'azure KMS', fallback: 2_000, min: 0 }),
    requestTimeoutMs: integerSetting(settings, 'requestTimeoutMs', {
      adapter: 'azure KMS',
      fallback: DEFAULT_REQUEST_TIMEOUT_MS,
      min: 1,
    }),
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
