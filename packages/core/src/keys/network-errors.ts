/** Socket failures worth retrying, as Node (net, dns) and undici (fetch) name them. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
])

/** The error code of an error or of its causes (fetch wraps the socket error), if any. */
export function networkErrorCode(error: unknown, depth = 0): string | undefined {
  if (!(error instanceof Error) || depth > 4) return undefined
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string') return code
  return networkErrorCode((error as { cause?: unknown }).cause, depth + 1)
}

/** Whether a KMS adapter should retry a call that failed with this code (refused, reset, timed out...). */
export function isTransientNetworkCode(code: string | undefined): boolean {
  return code !== undefined && TRANSIENT_CODES.has(code)
}
