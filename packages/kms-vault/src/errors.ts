import {
  isTransientNetworkCode,
  KmsAccessDeniedError,
  KmsError,
  KmsKeyNotFoundError,
  KmsUnavailableError,
  networkErrorCode,
  type PmeError,
} from '@pme/core'

/**
 * A failure worth another try (refused or reset connection, timeout, 5xx, 429). Internal: the
 * retry loop turns the last one into KmsUnavailableError. Its message is built here from the
 * status or the socket error code only, never from the request (which holds the token and key).
 */
export class TransientVaultError extends Error {
  override readonly name = 'TransientVaultError'
}

interface VaultApiError {
  readonly statusCode: number
  /** Vault's first error string ("permission denied", "encryption key not found", ...). */
  readonly vaultMessage: string
}

/** node-vault's ApiResponseError: `response.statusCode`, message = Vault's first error string. */
function apiError(error: unknown): VaultApiError | undefined {
  if (!(error instanceof Error)) return undefined
  const response = (error as { response?: { statusCode?: unknown } }).response
  if (!response || typeof response.statusCode !== 'number') return undefined
  return { statusCode: response.statusCode, vaultMessage: error.message.slice(0, 200) }
}

const KEY_NOT_FOUND = /encryption key not found|no key|key not found|no existing key/i

/**
 * Maps what node-vault threw to a typed error (or a TransientVaultError for the retry loop).
 * `operation` names the call and master key, e.g. `wrap with master key "k1"`.
 */
export function mapVaultError(error: unknown, operation: string): PmeError | TransientVaultError {
  const api = apiError(error)
  if (api) {
    const { statusCode, vaultMessage } = api
    if (statusCode === 429 || statusCode >= 500)
      return new TransientVaultError(`HTTP ${statusCode}${statusCode === 429 ? ' (throttled)' : ''}`)
    if (statusCode === 403)
      return new KmsAccessDeniedError(`Vault denied ${operation}: the token may not use this key (HTTP 403)`)
    if ((statusCode === 400 || statusCode === 404) && KEY_NOT_FOUND.test(vaultMessage))
      return new KmsKeyNotFoundError(`Vault transit has no such key: ${operation} (HTTP ${statusCode})`)
    if (statusCode === 404 && /no handler for route/i.test(vaultMessage))
      return new KmsError(`Vault: ${operation} failed: no transit engine at this mount path (HTTP 404)`)
    return new KmsError(`Vault: ${operation} failed (HTTP ${statusCode}: ${vaultMessage})`)
  }
  const code = networkErrorCode(error)
  // ECONNABORTED: vaultRequestFunction's timeout.
  if (isTransientNetworkCode(code)) return new TransientVaultError(code === 'ECONNABORTED' ? 'timeout' : code)
  if (code === 'ENOTFOUND') return new KmsUnavailableError(`Vault: ${operation} failed: host not found (ENOTFOUND)`)
  if (code) return new KmsError(`Vault: ${operation} failed (${code})`)
  return new KmsError(`Vault: ${operation} failed (${error instanceof Error ? error.name : typeof error})`)
}
