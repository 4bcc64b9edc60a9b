/** Where the server writes its one line per request. */
export type RequestLogger = (line: string) => void

export const stderrLogger: RequestLogger = (line) => {
  process.stderr.write(`${line}\n`)
}

export interface RequestLogEntry {
  readonly method: string
  /** The request target as received; only its path is logged. */
  readonly target: string
  readonly status: number
  readonly durationMs: number
  /** The API error code, and what lay behind it (never a message, header or body). */
  readonly code?: string | undefined
  readonly detail?: string | undefined
}

const MAX_PATH = 200

/**
 * The path only: the query string is dropped (it is no part of the API, and a client may have put a
 * token there), control characters are escaped so that a path cannot forge a log line, and it is cut
 * at 200 characters.
 */
export function loggablePath(target: string): string {
  const path = target.split('?', 1)[0] ?? ''
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is escaped
  const safe = path.replace(/[\u0000-\u001f\u007f\s]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
  return safe.length > MAX_PATH ? `${safe.slice(0, MAX_PATH)}...` : safe
}

/** `<ISO time> <method> <path> <status> <ms>ms [<code> [(<detail>)]]`. */
export function formatLogLine(entry: RequestLogEntry, now = new Date()): string {
  const method = /^[A-Z]{1,16}$/.test(entry.method) ? entry.method : '?'
  const parts = [
    now.toISOString(),
    method,
    loggablePath(entry.target),
    String(entry.status),
    `${entry.durationMs.toFixed(1)}ms`,
  ]
  if (entry.code) parts.push(entry.code)
  if (entry.detail) parts.push(`(${entry.detail.replace(/[^\w.-]/g, '_').slice(0, 60)})`)
  return parts.join(' ')
}
