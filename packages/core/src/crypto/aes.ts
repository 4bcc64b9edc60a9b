import { createCipheriv, createDecipheriv } from 'node:crypto'
import { IntegrityError, InvalidKeyError } from '../errors.js'

export const NONCE_LENGTH = 12
export const GCM_TAG_LENGTH = 16
const CTR_IV_LENGTH = 16

/** AES key sizes allowed by the spec: 128, 192 and 256 bits. */
export function checkKey(key: Uint8Array, what: string): void {
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) {
    throw new InvalidKeyError(`${what} must be 16, 24 or 32 bytes, got ${key.length}`)
  }
}

type KeyBits = 128 | 192 | 256

// Both check the key first: node:crypto would otherwise throw an untyped "Invalid cipher" error.
function gcmName(key: Uint8Array): `aes-${KeyBits}-gcm` {
  checkKey(key, 'the AES key')
  return `aes-${(key.length * 8) as KeyBits}-gcm`
}

function ctrName(key: Uint8Array): string {
  checkKey(key, 'the AES key')
  return `aes-${key.length * 8}-ctr`
}

/** AES-GCM with a 12-byte nonce; returns ciphertext || 16-byte tag. */
export function gcmEncrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  const cipher = createCipheriv(gcmName(key), key, nonce, { authTagLength: GCM_TAG_LENGTH })
  cipher.setAAD(aad)
  const head = cipher.update(plaintext)
  const tail = cipher.final()
  return concatBytes([head, tail, cipher.getAuthTag()])
}

/** AES-GCM decryption of ciphertext || tag. Throws IntegrityError when the tag does not verify. */
export function gcmDecrypt(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array {
  if (sealed.length < GCM_TAG_LENGTH) throw new IntegrityError('GCM ciphertext shorter than its tag')
  const ciphertext = sealed.subarray(0, sealed.length - GCM_TAG_LENGTH)
  const tag = sealed.subarray(sealed.length - GCM_TAG_LENGTH)
  const decipher = createDecipheriv(gcmName(key), key, nonce, { authTagLength: GCM_TAG_LENGTH })
  decipher.setAAD(aad)
  decipher.setAuthTag(tag)
  const head = decipher.update(ciphertext)
  try {
    return concatBytes([head, decipher.final()])
  } catch {
    throw new IntegrityError('authentication tag mismatch: wrong key or tampered data')
  }
}

/** The spec's CTR counter block: nonce || 00 00 00 01, big-endian 128-bit increment. */
function ctrIv(nonce: Uint8Array): Uint8Array {
  const iv = new Uint8Array(CTR_IV_LENGTH)
  iv.set(nonce)
  iv[CTR_IV_LENGTH - 1] = 1
  return iv
}

/** AES-CTR is its own inverse; used for data and dictionary pages under AES_GCM_CTR_V1. */
export function ctrCrypt(key: Uint8Array, nonce: Uint8Array, input: Uint8Array): Uint8Array {
  const cipher = createCipheriv(ctrName(key), key, ctrIv(nonce))
  return concatBytes([cipher.update(input), cipher.final()])
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0
  for (const part of parts) length += part.length
  const out = new Uint8Array(length)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}
