import {
  AdapterSettingsDefinition,
  DEFAULT_KMS_VALUE,
  type KmsAdapterSettings,
  type KmsConnectionConfig,
  REQUEST_TIMEOUT_SETTING,
  RETRY_SETTINGS,
  retrySettings,
  TLS_SETTINGS,
  type TlsClientOptions,
  tlsClientOptions,
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
  /** CA, client certificate and key, server name (read from their files once). */
  readonly tls: TlsClientOptions | undefined
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

/**
 * Every setting the adapter takes. The Vault address, transit mount and token are the connection's
 * (instanceUrl, instanceId, accessToken), not settings. node-vault's VAULT_* variables are never
 * read: write `"$env:VAULT_NAMESPACE"` to take one.
 */
export const VAULT_SETTINGS = new AdapterSettingsDefinition('vault', {
  authMethod: {
    type: 'string',
    enum: ['token', 'approle', 'kubernetes'],
    default: 'token',
    description: 'token: the access token is the Vault token; approle, kubernetes: log in with the settings below',
  },
  authMount: { type: 'string', description: 'mount path of the auth method (default: approle or kubernetes)' },
  roleId: { type: 'string', description: 'approle: the role id' },
  secretId: { type: 'string', secret: true, description: 'approle: the secret id' },
  role: { type: 'string', description: 'kubernetes: the Vault role' },
  jwtPath: {
    type: 'string',
    default: DEFAULT_KUBERNETES_JWT_PATH,
    description: 'kubernetes: the service account token file',
  },
  namespace: { type: 'string', description: 'Vault Enterprise / OpenBao namespace, sent as X-Vault-Namespace' },
  ...TLS_SETTINGS,
  ...REQUEST_TIMEOUT_SETTING,
  ...RETRY_SETTINGS,
})

function required(settings: KmsAdapterSettings, name: string, method: string): string {
  const value = VAULT_SETTINGS.string(settings, name)
  if (!value) throw new UsageError(`vault setting ${name} is required with authMethod "${method}"`)
  return value
}

function parseAuth(settings: KmsAdapterSettings): VaultAuth {
  const method = VAULT_SETTINGS.string(settings, 'authMethod') as VaultAuthMethod
  const mount = VAULT_SETTINGS.string(settings, 'authMount') || method
  switch (method) {
    case 'approle':
      return {
        method,
        mount,
        roleId: required(settings, 'roleId', method),
        secretId: required(settings, 'secretId', method),
      }
    case 'kubernetes':
      return {
        method,
        mount,
        role: required(settings, 'role', method),
        jwtPath: VAULT_SETTINGS.string(settings, 'jwtPath') as string,
      }
    default:
      return { method: 'token' }
  }
}

export function parseVaultSettings(settings: KmsAdapterSettings): VaultSettings {
  VAULT_SETTINGS.check(settings)
  const retry = retrySettings(VAULT_SETTINGS, settings)
  return {
    auth: parseAuth(settings),
    namespace: VAULT_SETTINGS.string(settings, 'namespace') || undefined,
    tls: tlsClientOptions(VAULT_SETTINGS, settings),
    requestTimeoutMs: VAULT_SETTINGS.integer(settings, 'requestTimeoutMs'),
    retryAttempts: retry.attempts,
    retryBaseDelayMs: retry.baseDelayMs,
    retryMaxDelayMs: retry.maxDelayMs,
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
