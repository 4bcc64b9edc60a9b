import { randomBytes } from 'node:crypto'
import { concatBytes, GCM_TAG_LENGTH, gcmDecrypt, gcmEncrypt, NONCE_LENGTH } from '../crypto/aes.js'
import { MalformedFileError } from '../errors.js'

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64')
}

/** Standard padded base64, strictly: a malformed value is an error, not silently shortened bytes. */
export function fromBase64(text: string, what: string): Uint8Array {
  if (!BASE64.test(text) || text.length % 4 !== 0) throw new MalformedFileError(`${what} is not valid base64`)
  return new Uint8Array(Buffer.from(text, 'base64'))
}

/**
 * parquet-java KeyToolkit.encryptKeyLocally / Arrow internal::EncryptKeyLocally:
 * base64(nonce12 || AES-GCM(wrappingKey, key, aad) || tag16).
 */
export function encryptKeyLocally(key: Uint8Array, wrappingKey: Uint8Array, aad: Uint8Array): string {
  const nonce = new Uint8Array(randomBytes(NONCE_LENGTH))
  return toBase64(concatBytes([nonce, gcmEncrypt(wrappingKey, nonce, key, aad)]))
}

export function decryptKeyLocally(wrapped: string, wrappingKey: Uint8Array, aad: Uint8Array): Uint8Array {
  const bytes = fromBase64(wrapped, 'wrapped key')
  if (bytes.length < NONCE_LENGTH + GCM_TAG_LENGTH) throw new MalformedFileError('wrapped key is too short')
  return gcmDecrypt(wrappingKey, bytes.subarray(0, NONCE_LENGTH), bytes.subarray(NONCE_LENGTH), aad)
}
