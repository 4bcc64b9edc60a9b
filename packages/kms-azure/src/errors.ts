import { KmsAccessDeniedError, KmsError, KmsKeyNotFoundError, type PmeError } from '@pme/core'

/**
 * A failure worth another try (HTTP 429/5xx/408, refused or reset connection, timeout). Internal:
 * core's withRetry turns the last one into KmsUnavailableError. Its message holds only a status or
 * an error code, never request data (which holds the token and the key).
 */
export class TransientAzureError extends Error {
  override readonly name = 'TransientAzureError'
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'REQUEST_SEND_ERROR',
  'UND_ERR_SOCKET',
])

interface AzureErrorShape {
  name?: string
  code?: string
  statusCode?: number
  message?: string
  cause?: unknown
}

function shape(error: unknown): AzureErrorShape {
  return typeof error === 'object' && error !== null ? (error as AzureErrorShape) : { message: String(error) }
}

function networkCode(error: unknown, depth = 0): string | undefined {
  if (depth > 4 || typeof error !== 'object' || error === null) return undefined
  const code = (error as AzureErrorShape).code
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return code
  return networkCode((error as AzureErrorShape).cause, depth + 1)
}

/** Key Vault's error code and the first line of its message, short; nothing from the request. */
export function safeReason(error: unknown): string {
  const e = shape(error)
  const code = e.code && e.code !== 'Error' ? e.code : (e.name ?? 'Error')
  const line = (e.message ?? '').split('\n')[0]?.trim().slice(0, 200) ?? ''
  // Bearer tokens never appear in Key Vault messages; mask anything shaped like a JWT all the same.
  const masked = line.replace(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, '<token>')
  return masked ? `${code}: ${masked}` : code
}

/**
 * Maps what the SDK threw to a typed error, or a TransientAzureError for the retry loop.
 * `operation` names the call and master key, e.g. `wrap with master key "kf"`.
 */
export function mapAzureError(error: unknown, operation: string): PmeError | TransientAzureError {
  const e = shape(error)
  const status = e.statusCode
  if (status === 429) return new TransientAzureError('HTTP 429 (throttled)')
  if (status === 408 || (status !== undefined && status >= 500)) return new TransientAzureError(`HTTP ${status}`)
  if (status === 404 || e.code === 'KeyNotFound')
    return new KmsKeyNotFoundError(`Azure Key Vault: ${operation}: key not found (${safeReason(error)})`)
  if (status === 401 || status === 403)
    return new KmsAccessDeniedError(
      `Azure Key Vault: ${operation}: access denied (HTTP ${status}: ${safeReason(error)})`,
    )
  if (status !== undefined)
    return new KmsError(`Azure Key Vault: ${operation} failed (HTTP ${status}: ${safeReason(error)})`)
  if (e.name === 'CredentialUnavailableError')
    return new KmsError(
      `Azure Key Vault: ${operation}: no Azure credential available (DefaultAzureCredential found none: set AZURE_CLIENT_ID/AZURE_TENANT_ID/..., use a managed identity or az login)`,
    )
  if (e.name === 'AuthenticationError')
    return new KmsAccessDeniedError(`Azure Key Vault: ${operation}: Microsoft Entra ID refused the credential`)
  if (e.name === 'AbortError' || e.name === 'TimeoutError') return new TransientAzureError('timeout')
  const code = networkCode(error)
  if (code) return new TransientAzureError(code)
  if (e.code === 'ENOTFOUND') return new KmsError(`Azure Key Vault: ${operation} failed: host not found (ENOTFOUND)`)
  return new KmsError(`Azure Key Vault: ${operation} failed (${safeReason(error)})`)
}
