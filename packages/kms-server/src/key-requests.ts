import type { KmsOperation } from '@pme/kms-local'
import { HttpError } from './http/http-error.js'

/** Base64 as the API takes it: the standard alphabet, padded. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const KEY_LENGTHS = [16, 24, 32]
/** Master key ids longer than this are refused: ids of every KMS here are far shorter. */
export const MAX_MASTER_KEY_ID_LENGTH = 256

/** The one string field a wrap or unwrap body holds. */
const FIELD: Record<KmsOperation, string> = { wrap: 'key', unwrap: 'wrappedKey' }

function invalid(message: string): HttpError {
  return new HttpError(400, 'invalid_request', message)
}

/** The string field of a wrap (`key`) or unwrap (`wrappedKey`) body; any other shape is a 400. */
export function bodyField(operation: KmsOperation, body: unknown): string {
  const field = FIELD[operation]
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid(`the ${operation} body must be a JSON object {"${field}": "..."}`)
  }
  const extra = Object.keys(body).filter((name) => name !== field)
  // Field names are the caller's, but cut short and JSON-quoted: they cannot forge a message.
  if (extra.length > 0)
    throw invalid(`unknown field ${JSON.stringify(extra[0]?.slice(0, 40))} in the ${operation} body`)
  const value = (body as Record<string, unknown>)[field]
  if (typeof value !== 'string' || value === '')
    throw invalid(`the ${operation} body needs "${field}": a non-empty string`)
  return value
}

/** The key to wrap, decoded; not base64, or not an AES key length, is a 400 (that never quotes it). */
export function decodeKey(encoded: string): Uint8Array {
  if (!BASE64.test(encoded)) throw new HttpError(400, 'invalid_key', '"key" must be standard base64 (with padding)')
  const key = new Uint8Array(Buffer.from(encoded, 'base64'))
  if (!KEY_LENGTHS.includes(key.length)) {
    throw new HttpError(400, 'invalid_key', `"key" must be 16, 24 or 32 bytes, got ${key.length}`)
  }
  return key
}

/** The master key id of a path segment, percent-decoded and checked. */
export function masterKeyIdOf(segment: string): string {
  let id: string
  try {
    id = decodeURIComponent(segment)
  } catch {
    throw new HttpError(400, 'invalid_master_key_id', 'the master key id is not valid percent-encoding')
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (id === '' || id.length > MAX_MASTER_KEY_ID_LENGTH || /[\u0000-\u001f\u007f]/.test(id)) {
    throw new HttpError(
      400,
      'invalid_master_key_id',
      `the master key id must be 1 to ${MAX_MASTER_KEY_ID_LENGTH} characters without control characters`,
    )
  }
  return id
}
