import type { IncomingMessage } from 'node:http'
import { HttpError } from './http-error.js'

const JSON_TYPE = /^application\/json\s*(;|$)/i

function tooLarge(limit: number): HttpError {
  return new HttpError(413, 'body_too_large', `the request body is larger than ${limit} bytes`)
}

/** Refuses a body that is not declared JSON, before reading it. */
export function requireJsonContentType(request: IncomingMessage): void {
  const type = request.headers['content-type'] ?? ''
  if (!JSON_TYPE.test(type)) {
    throw new HttpError(415, 'unsupported_media_type', 'the request body must be JSON (content-type: application/json)')
  }
}

/**
 * Reads the request body, at most `limit` bytes: a declared content-length over it is refused before
 * reading, a body that grows past it as soon as it does (the rest is discarded, and the answer closes
 * the connection). The parse error of invalid JSON is not passed on: JSON.parse's messages quote the
 * input, which may hold a key.
 */
export async function readJsonBody(request: IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(request.headers['content-length'] ?? Number.NaN)
  if (declared > limit) throw tooLarge(limit)
  const text = (await readLimited(request, limit)).toString('utf8')
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new HttpError(400, 'invalid_request', 'the request body is not valid JSON')
  }
}

// Events rather than `for await`: leaving that loop early destroys the request, and with it the socket
// the 413 must be sent on.
function readLimited(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    request.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) reject(tooLarge(limit))
      else chunks.push(chunk)
    })
    request.on('end', () => resolve(Buffer.concat(chunks)))
    request.on('error', () => reject(new HttpError(400, 'invalid_request', 'the request body could not be read')))
    request.on('close', () => {
      if (!request.complete) reject(new HttpError(400, 'invalid_request', 'the request body was cut off'))
    })
  })
}
