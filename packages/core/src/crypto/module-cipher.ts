import { randomBytes } from 'node:crypto'
import { MalformedFileError } from '../errors.js'
import { ModuleType } from './aad.js'
import { concatBytes, ctrCrypt, GCM_TAG_LENGTH, gcmDecrypt, gcmEncrypt, NONCE_LENGTH } from './aes.js'

export type Algorithm = 'AES_GCM_V1' | 'AES_GCM_CTR_V1'
export type ModuleCipher = 'gcm' | 'ctr'

const LENGTH_PREFIX = 4

/** Under AES_GCM_CTR_V1 only page bodies use CTR; headers, metadata and indexes stay GCM. */
export function moduleCipher(algorithm: Algorithm, type: ModuleType): ModuleCipher {
  const isPage = type === ModuleType.DataPage || type === ModuleType.DictionaryPage
  return algorithm === 'AES_GCM_CTR_V1' && isPage ? 'ctr' : 'gcm'
}

export function moduleOverhead(cipher: ModuleCipher): number {
  return LENGTH_PREFIX + NONCE_LENGTH + (cipher === 'gcm' ? GCM_TAG_LENGTH : 0)
}

/** Total on-disk size of the module starting at `offset`, length prefix included. */
export function moduleSize(bytes: Uint8Array, offset: number): number {
  if (offset + LENGTH_PREFIX > bytes.length) {
    throw new MalformedFileError('module length prefix runs past the end of the data')
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, LENGTH_PREFIX)
  const size = LENGTH_PREFIX + view.getUint32(0, true)
  if (offset + size > bytes.length) {
    throw new MalformedFileError(`module of ${size} bytes runs past the end of the data`)
  }
  return size
}

/**
 * Decrypts one framed module (`u32le len | nonce | ciphertext [| tag]`). `module` must be exactly one
 * module; the caller slices it with moduleSize.
 */
export function decryptModule(module: Uint8Array, key: Uint8Array, aad: Uint8Array, cipher: ModuleCipher): Uint8Array {
  if (module.length < moduleOverhead(cipher)) {
    throw new MalformedFileError(`module of ${module.length} bytes is shorter than its ${cipher} framing`)
  }
  const declared = new DataView(module.buffer, module.byteOffset, LENGTH_PREFIX).getUint32(0, true)
  if (declared !== module.length - LENGTH_PREFIX) {
    throw new MalformedFileError(`module length prefix ${declared} does not match its ${module.length - 4} bytes`)
  }
  const nonce = module.subarray(LENGTH_PREFIX, LENGTH_PREFIX + NONCE_LENGTH)
  const body = module.subarray(LENGTH_PREFIX + NONCE_LENGTH)
  return cipher === 'gcm' ? gcmDecrypt(key, nonce, body, aad) : ctrCrypt(key, nonce, body)
}

/** Encrypts one module with a fresh random nonce and frames it with its length prefix. */
export function encryptModule(
  plaintext: Uint8Array,
  key: Uint8Array,
  aad: Uint8Array,
  cipher: ModuleCipher,
  nonce: Uint8Array = randomBytes(NONCE_LENGTH),
): Uint8Array {
  const body = cipher === 'gcm' ? gcmEncrypt(key, nonce, plaintext, aad) : ctrCrypt(key, nonce, plaintext)
  const prefix = new Uint8Array(LENGTH_PREFIX)
  new DataView(prefix.buffer).setUint32(0, NONCE_LENGTH + body.length, true)
  return concatBytes([prefix, nonce, body])
}
