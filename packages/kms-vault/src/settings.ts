import {
  DEFAULT_KMS_VALUE,
  integerSetting,
  type KmsAdapterSettings,
  type KmsConnectionConfig,
  UsageError,
} from '@pme/core'

export type VaultAuthMethod = 'token' | 'approle' | 'kubernetes'

/** How to log in: the connection's access token as is, or an AppRole / Kubernetes login. */
export type VaultAuth =
  | { readonly method: 'token' }
  | { readonly method: 'approle'; readonly mount: string; readonly roleId: string; readonly secretId: string }
  | { readonly method: 'kubernetes'; readonly mount: string; readonly role: string; readonly jwtPath: string }

/** Adapter settings (pme.config.json `kms.settings`), parsed. */
export interface VaultSettings {
  readonly auth: VaultAuth
  /** Vault Enterprise / OpenBao namespace, sent as X-Vault-Namespace. */
  readonly namespace: string | undefined
  readonly requestTimeoutMs: number
  readonly retryAttempts: number
  readonly retryBaseDelayMs: number
  readonly retryMaxDelayMs: number
}

/** Where and as whom to call Vault: the connection config plus the settings. */
export interface VaultEndpoint {
  /** Vault address without a trailing slash, e.g. `https://vault.example.com:8200`. */
  readonly address: string
  /** Transit mount path, e.g. `transit`. */
  readonly mount: string
  /** The Vault token for `token` auth; undefined when the token comes from a login. */
  readonly token: string | undefined
}

export const DEFAULT_TRANSIT_MOUNT = 'transit'
export const DEFAULT_KUBERNETES_JWT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount/token'

function required(settings: KmsAdapterSettings, name: string, method: string): string {
  const value = settings[name]
  if (!value) throw new UsageError(`vault setting ${name} is required with authMethod "${method}"`)
  return value
}

function parseAuth(settings: KmsAdapterSettings): VaultAuth {
  const method = settings.authMethod || 'token'
  switch (method) {
    case 'token':
      return { method }
    case 'approle':
      return {
        method,
        mount: settings.authMount || 'approle',
        roleId: required(settings, 'roleId', method),
        secretId: required(settings, 'secretId', method),
      }
    case 'kubernetes':
      return {
        method,
        mount: settings.authMount || 'kubernetes',
        role: required(settings, 'role', method),
        jwtPath: settings.jwtPath || DEFAULT_KUBERNETES_JWT_PATH,
      }
    default:
      throw new UsageError(`vault setting authMethod must be token, approle or kubernetes (got "${method}")`)
  }
}

export function parseVaultSettings(settings: KmsAdapterSettings): VaultSettings {
  return {
    auth: parseAuth(settings),
    namespace: settings.namespace || undefined,
    requestTimeoutMs: integerSetting(settings, 'requestTimeoutMs', { adapter: 'vault', fallback: 10_000, min: 1 }),
    retryAttempts: integerSetting(settings, 'retryAttempts', { adapter: 'vault', fallback: 4, min: 1 }),
    retryBaseDelayMs: integerSetting(settings, 'retryBaseDelayMs', { adapter: 'vault', fallback: 100, min: 0 }),
    retryMaxDelayMs: integerSetting(settings, 'retryMaxDelayMs', { adapter: 'vault', fallback: 2_000, min: 0 }),
  }
}

const isDefault = (value: string) => value === '' || value === DEFAULT_KMS_VALUE

/**
 * parquet-java's VaultClient sample: the instance URL is the Vault address, the instance id the
 * transit mount (`transit` when DEFAULT), the access token the Vault token (not empty, not DEFAULT).
 */
export function vaultEndpoint(config: KmsConnectionConfig, auth: VaultAuth): VaultEndpoint {
  if (isDefault(config.kmsInstanceUrl))
    throw new UsageError('the vault KMS needs the Vault address as KMS instance URL (instanceUrl)')
  let url: URL
  try {
    url = new URL(config.kmsInstanceUrl)
  } catch {
    throw new UsageError('the vault KMS instance URL is not a URL')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError('the vault KMS instance URL must be http(s)')
  const mount = isDefault(config.kmsInstanceId) ? DEFAULT_TRANSIT_MOUNT : config.kmsInstanceId.replace(/^\/+|\/+$/g, '')
  if (!mount) throw new UsageError('the vault KMS instance id (transit mount path) is empty')
  const address = config.kmsInstanceUrl.replace(/\/+$/, '')
  if (auth.method !== 'token') return { address, mount, token: undefined }
  if (isDefault(config.keyAccessToken))
    throw new UsageError(
      'the vault KMS needs a Vault token as access token (accessToken), or authMethod approle/kubernetes',
    )
  return { address, mount, token: config.keyAccessToken }
}
