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
 * A failure worth another try (no answer, a timeout, HTTP 429 or 5xx). Internal: the retry loop turns
 * the last one into KmsUnavailableError. Its message holds a status or an error code, never the request.
 */
export class TransientHttpKmsError extends Error {
  override readonly name = 'TransientHttpKmsError'
}

/** The server's `{"error": {"code", "message"}}`, when the body is one. */
export function apiError(body: unknown): { code: string; message: string } | undefined {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error
  if (typeof error?.code !== 'string') return undefined
  return { code: error.code, message: typeof error.message === 'string' ? error.message : '' }
}

/**
 * Text from the server, fit for a message: control characters out, cut at 200 characters, and the
 * token removed wherever it appears (a server that echoed it must not put it in our errors).
 */
export function fromServer(text: string, token: string | undefined): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  let clean = text.replace(/[\u0000-\u001f\u007f]/g, ' ')
  if (token) clean = clean.split(token).join('<token>')
  return clean.length > 200 ? `${clean.slice(0, 200)}...` : clean
}

/**
 * Maps a failed answer to a typed error, or to a TransientHttpKmsError for the retry loop.
 * `what` names the server and the call: `http KMS http://host:8001: unwrap with master key "k1"`.
 */
export function mapHttpStatus(
  status: number,
  body: unknown,
  what: string,
  token: string | undefined,
): PmeError | TransientHttpKmsError {
  if (status === 429 || status >= 500) return new TransientHttpKmsError(`HTTP ${status}`)
  const error = apiError(body)
  const detail = error ? `${error.code}: ${fromServer(error.message, token)}` : 'not a pme KMS answer'
  // The server's message would repeat the operation and key `what` names: its code says the rest.
  if (status === 401 || status === 403) {
    return new KmsAccessDeniedError(`${what} refused (HTTP ${status}${error ? ` ${error.code}` : ''})`)
  }
  if (status === 404 && error?.code === 'key_not_found')
    return new KmsKeyNotFoundError(`${what}: no such master key (HTTP 404)`)
  if (status === 404) return new KmsError(`${what}: no pme KMS API at this URL (HTTP 404 ${detail})`)
  return new KmsError(`${what} failed (HTTP ${status} ${detail})`)
}

/** Maps what `fetch` threw (no answer): timeouts and resets are transient, other socket errors unavailable. */
export function mapFetchFailure(error: unknown, what: string): PmeError | TransientHttpKmsError {
  const name = error instanceof Error ? error.name : typeof error
  if (name === 'TimeoutError' || name === 'AbortError') return new TransientHttpKmsError('timed out')
  const code = networkErrorCode(error)
  if (isTransientNetworkCode(code)) return new TransientHttpKmsError(code as string)
  // fetch's TypeError("fetch failed") without a code: the connection broke.
  if (!code && error instanceof TypeError) return new TransientHttpKmsError('network error')
  // Not worth a retry (a host name that does not resolve...), but the server is out of reach all the same.
  if (code) return new KmsUnavailableError(`KMS unavailable: ${what} failed (${code})`)
  return new KmsError(`${what} failed (${name})`)
}
