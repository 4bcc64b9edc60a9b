import {
  KmsAccessDeniedError,
  KmsError,
  KmsKeyDisabledError,
  KmsKeyNotFoundError,
  KmsUnavailableError,
  type PmeError,
} from '@pme/core'

/** What the SDK rejects with: a service exception, a network or timeout error, a credentials error. */
interface SdkErrorShape {
  name?: string
  code?: string
  message?: string
  $fault?: 'client' | 'server'
  $metadata?: { httpStatusCode?: number; attempts?: number }
  $retryable?: { throttling?: boolean }
}

const NOT_FOUND = new Set(['NotFoundException'])
/** The key exists but its state forbids the call: disabled, pending deletion, pending import. */
const KEY_STATE = new Set(['DisabledException', 'KMSInvalidStateException'])
const ACCESS_DENIED = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'ExpiredTokenException',
  'ExpiredToken',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationToken',
])
const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'KMSInternalException',
  'DependencyTimeoutException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
])
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'UND_ERR_SOCKET',
])

function shape(error: unknown): SdkErrorShape {
  return typeof error === 'object' && error !== null ? (error as SdkErrorShape) : { message: String(error) }
}

/** Throttling, 5xx, refused or reset connections, timeouts: worth another try (the SDK already did). */
export function isTransient(error: unknown): boolean {
  const e = shape(error)
  const status = e.$metadata?.httpStatusCode ?? 0
  return (
    status === 429 ||
    status >= 500 ||
    e.$fault === 'server' ||
    e.$retryable?.throttling === true ||
    TRANSIENT_NAMES.has(e.name ?? '') ||
    NETWORK_CODES.has(e.code ?? '') ||
    NETWORK_CODES.has(e.name ?? '')
  )
}

function isAccessDenied(e: SdkErrorShape): boolean {
  return (
    ACCESS_DENIED.has(e.name ?? '') ||
    e.$metadata?.httpStatusCode === 403 ||
    /not authori[sz]ed|access denied/i.test(e.message ?? '')
  )
}

/** The first line of the SDK's message, short, with anything shaped like an access key id masked. */
export function safeReason(error: unknown): string {
  const e = shape(error)
  const name = e.name && e.name !== 'Error' ? e.name : (e.code ?? 'Error')
  const firstLine = (e.message ?? '').split('\n')[0]?.trim() ?? ''
  // moto answers some JSON calls with an XML body or none (the SDK then says "UnknownError")
  const text = firstLine.startsWith('<') || firstLine === 'UnknownError' ? '' : firstLine
  const masked = text.replace(/\b(AKIA|ASIA)[A-Z0-9]{12,}\b/g, '$1***').slice(0, 200)
  return masked ? `${name}: ${masked}` : name
}

/**
 * Maps what the SDK threw, after its own bounded retries, to the typed errors of @pme/core.
 * `operation` names the call ("wrap with master key alias/k1"); no key bytes ever reach a message.
 */
export function mapAwsError(error: unknown, operation: string): PmeError {
  const e = shape(error)
  const reason = safeReason(error)
  if (NOT_FOUND.has(e.name ?? '')) return new KmsKeyNotFoundError(`AWS KMS: ${operation}: key not found (${reason})`)
  if (KEY_STATE.has(e.name ?? ''))
    return new KmsKeyDisabledError(
      `AWS KMS: ${operation}: the key cannot be used in its present state (disabled, pending deletion or pending import: ${reason})`,
    )
  if (e.name === 'KeyUnavailableException') {
    // HTTP 500, after the SDK's retries: the key's material is unreachable (custom key store
    // disconnected), not the service.
    return new KmsUnavailableError(`AWS KMS: ${operation}: the key's material is unavailable now (${reason})`)
  }
  if (e.name === 'CredentialsProviderError') {
    return new KmsError(
      `AWS KMS: ${operation}: no AWS credentials found (set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or the profile/accessKeyId settings)`,
    )
  }
  if (/region is missing/i.test(e.message ?? '')) {
    return new KmsError(`AWS KMS: ${operation}: no region (set the region setting or AWS_REGION)`)
  }
  if (isTransient(error)) {
    const attempts = e.$metadata?.attempts
    const tries = attempts ? ` after ${attempts} attempt${attempts === 1 ? '' : 's'}` : ''
    return new KmsUnavailableError(`AWS KMS unavailable: ${operation} failed${tries} (last: ${reason})`)
  }
  if (isAccessDenied(e)) return new KmsAccessDeniedError(`AWS KMS: ${operation}: access denied (${reason})`)
  return new KmsError(`AWS KMS: ${operation} failed (${reason})`)
}
