import type { ServerResponse } from 'node:http'
import { HttpError } from './http-error.js'

/** An answer, ready to send. */
export interface Reply {
  readonly status: number
  readonly body: string | Buffer
  readonly headers: Readonly<Record<string, string>>
}

/** Headers on every answer: no MIME sniffing, no framing. */
const BASE_HEADERS = { 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY' }

export function send(response: ServerResponse, reply: Reply): void {
  response.writeHead(reply.status, {
    ...BASE_HEADERS,
    'content-length': String(Buffer.byteLength(reply.body)),
    ...reply.headers,
  })
  response.end(reply.body)
}

/** A JSON answer; never cached (wrap and unwrap answers hold keys). */
export function jsonReply(status: number, value: unknown, headers: Readonly<Record<string, string>> = {}): Reply {
  return {
    status,
    body: JSON.stringify(value),
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  }
}

/** `{"error": {"code", "message"}}`; when the request body was not read to its end, the connection closes after it. */
export function errorReply(error: HttpError, requestComplete: boolean): Reply {
  const headers = requestComplete ? error.headers : { ...error.headers, connection: 'close' }
  return jsonReply(error.status, { error: { code: error.code, message: error.message } }, headers)
}

/** Anything thrown that is not an HttpError is a bug: a 500 that says nothing of it (its name goes to the log). */
export function asHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error
  const name = error instanceof Error ? error.name : typeof error
  return new HttpError(500, 'internal_error', 'internal error', { logDetail: name })
}
