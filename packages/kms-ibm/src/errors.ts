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
 * A failure worth another try (refused or reset connection, timeout, HTTP 429, 5xx). Internal: the
 * retry loop turns the last one into KmsUnavailableError. Its message holds a status or a socket
 * error code only, never the request (which holds the token and the key).
 */
export class TransientIbmError extends Error {
  override readonly name = 'TransientIbmError'
}

/** One entry of a Key Protect error body's `reasons`. */
export interface KeyProtectReason {
  readonly code?: string
  readonly message?: string
  readonly status?: number
}

/**
 * Key Protect's error body:
 * `{"metadata":{"collectionType":"application/vnd.ibm.kms.error+json","collectionTotal":1},
 *   "resources":[{"errorMsg":"...","reasons":[{"code":"...","message":"...","status":400,"moreInfo":"..."}]}]}`.
 */
export function keyProtectError(body: unknown): { errorMsg?: string; reasons: KeyProtectReason[] } {
  const resources = (body as { resources?: unknown } | undefined)?.resources
  const first = Array.isArray(resources) ? (resources[0] as Record<string, unknown> | undefined) : undefined
  const errorMsg = typeof first?.errorMsg === 'string' ? first.errorMsg : undefined
  const reasons = Array.isArray(first?.reasons) ? (first.reasons as KeyProtectReason[]) : []
  return { ...(errorMsg ? { errorMsg } : {}), reasons }
}

/** IAM's error body: `{"errorCode":"BXNIM0415E","errorMessage":"Provided API key could not be found.",...}`. */
export function iamError(body: unknown): { errorCode?: string; errorMessage?: string } {
  const record = (body ?? {}) as Record<string, unknown>
  return {
    ...(typeof record.errorCode === 'string' ? { errorCode: record.errorCode } : {}),
    ...(typeof record.errorMessage === 'string' ? { errorMessage: record.errorMessage } : {}),
  }
}

/** Removes every occurrence of the secrets (API key, token) from a text taken from a response. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('<redacted>')
  return out.slice(0, 300)
}

const isTransientStatus = (status: number) => status === 429 || (status >= 500 && status !== 501)

/**
 * Maps a Key Protect HTTP failure to a typed error (or a TransientIbmError for the retry loop).
 * `operation` names the call and root key, e.g. `wrap with root key "1234..."`.
 */
export function mapKeyProtectStatus(
  status: number,
  body: unknown,
  operation: string,
  secrets: readonly string[],
): PmeError | TransientIbmError {
  if (isTransientStatus(status)) return new TransientIbmError(`HTTP ${status}${status === 429 ? ' (throttled)' : ''}`)
  const { errorMsg, reasons } = keyProtectError(body)
  const reason = reasons[0]
  const detail = scrub(
    [reason?.code, reason?.message ?? errorMsg].filter((part): part is string => Boolean(part)).join(': ') ||
      'no error body',
    secrets,
  )
  if (status === 401 || status === 403)
    return new KmsAccessDeniedError(
      `Key Protect denied ${operation}: the credential may not use this key or instance (HTTP ${status}: ${detail})`,
    )
  if (status === 404)
    return new KmsKeyNotFoundError(`Key Protect has no such root key: ${operation} (HTTP 404: ${detail})`)
  if (status === 410)
    return new KmsKeyNotFoundError(`Key Protect: the root key was deleted: ${operation} (HTTP 410: ${detail})`)
  return new KmsError(`Key Protect: ${operation} failed (HTTP ${status}: ${detail})`)
}

/** Maps an IAM token endpoint failure; IAM answers 400 for an unknown or invalid API key. */
export function mapIamStatus(status: number, body: unknown, secrets: readonly string[]): PmeError | TransientIbmError {
  if (isTransientStatus(status)) return new TransientIbmError(`IAM HTTP ${status}`)
  const { errorCode, errorMessage } = iamError(body)
  const detail = scrub([errorCode, errorMessage].filter(Boolean).join(' ') || 'no error body', secrets)
  if (status === 400 || status === 401 || status === 403)
    return new KmsAccessDeniedError(`IBM Cloud IAM refused the API key (HTTP ${status}: ${detail})`)
  return new KmsError(`IBM Cloud IAM token request failed (HTTP ${status}: ${detail})`)
}

/** Maps what `fetch` threw (no HTTP answer): a timeout, a socket error, anything else. */
export function mapFetchFailure(error: unknown, what: string): PmeError | TransientIbmError {
  const name = error instanceof Error ? error.name : ''
  if (name === 'TimeoutError' || name === 'AbortError') return new TransientIbmError(`${what}: timeout`)
  const code = networkErrorCode(error)
  if (isTransientNetworkCode(code)) return new TransientIbmError(`${what}: ${code}`)
  if (code === 'ENOTFOUND') return new KmsUnavailableError(`${what} failed: host not found (ENOTFOUND)`)
  if (code) return new KmsError(`${what} failed (${code})`)
  // fetch's TypeError("fetch failed") without a code: the connection broke.
  if (error instanceof TypeError) return new TransientIbmError(`${what}: network error`)
  return new KmsError(`${what} failed (${name || typeof error})`)
}
