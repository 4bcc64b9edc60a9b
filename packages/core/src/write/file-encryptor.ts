import { randomBytes } from 'node:crypto'
import { AAD_FILE_UNIQUE_LENGTH, fileAad, type ModuleOrdinals, ModuleType, moduleAad } from '../crypto/aad.js'
import { concatBytes, GCM_TAG_LENGTH, gcmEncrypt, NONCE_LENGTH } from '../crypto/aes.js'
import { type Algorithm, encryptModule, moduleCipher } from '../crypto/module-cipher.js'
import { UsageError } from '../errors.js'
import {
  type EncryptionAlgorithm,
  FileCryptoMetaDataDef,
  type FileMetaData,
  FileMetaDataDef,
} from '../thrift/parquet-structs.js'
import { encodeStruct } from '../thrift/struct-codec.js'
import type { EncryptionProperties } from './encryption-properties.js'

const utf8 = new TextEncoder()
const PAR1 = utf8.encode('PAR1')
const PARE = utf8.encode('PARE')

function u32le(value: number): Uint8Array {
  const bytes = new Uint8Array(4)
  new DataView(bytes.buffer).setUint32(0, value, true)
  return bytes
}

/**
 * Encrypts the modules of one file being written. A fresh aad_file_unique per file (and a fresh
 * random nonce per module, in encryptModule) means no (key, nonce) pair is ever reused.
 */
export class FileEncryptor {
  readonly algorithm: Algorithm
  private readonly fileAad: Uint8Array
  private readonly algorithmStruct: EncryptionAlgorithm

  /** `aadFileUnique` is given only to rewrite the footer of an existing file (key rotation). */
  constructor(
    readonly props: EncryptionProperties,
    aadFileUnique: Uint8Array = new Uint8Array(randomBytes(AAD_FILE_UNIQUE_LENGTH)),
  ) {
    this.algorithm = props.algorithm ?? 'AES_GCM_V1'
    if (this.algorithm !== 'AES_GCM_V1' && this.algorithm !== 'AES_GCM_CTR_V1') {
      throw new UsageError(`unknown algorithm ${String(this.algorithm)}: use AES_GCM_V1 or AES_GCM_CTR_V1`)
    }
    const prefix = typeof props.aadPrefix === 'string' ? utf8.encode(props.aadPrefix) : props.aadPrefix
    if (props.storeAadPrefix === false && !prefix) {
      throw new UsageError('storeAadPrefix: false needs an aadPrefix')
    }
    this.fileAad = fileAad(prefix, aadFileUnique)
    const stored = prefix && props.storeAadPrefix !== false
    // Both reference writers always write supply_aad_prefix, false when nothing is to be supplied.
    this.algorithmStruct = {
      [this.algorithm]: {
        ...(stored ? { aad_prefix: prefix } : {}),
        aad_file_unique: aadFileUnique,
        supply_aad_prefix: prefix !== undefined && !stored,
      },
    }
  }

  get magic(): Uint8Array {
    return this.props.plaintextFooter ? PAR1 : PARE
  }

  encrypt(plaintext: Uint8Array, key: Uint8Array, type: ModuleType, ordinals: ModuleOrdinals = {}): Uint8Array {
    return encryptModule(plaintext, key, moduleAad(this.fileAad, type, ordinals), moduleCipher(this.algorithm, type))
  }

  /** Everything after the last data byte: the footer in its mode, its length and the magic. */
  footer(metadata: FileMetaData): Uint8Array {
    const footerKey = this.props.footerKey
    if (this.props.plaintextFooter) {
      const signed = encodeStruct(FileMetaDataDef, {
        ...metadata,
        encryption_algorithm: this.algorithmStruct,
        footer_signing_key_metadata: footerKey.keyMetadata,
      })
      // The signature is AES-GCM over the footer: only the nonce and the tag are kept.
      const nonce = new Uint8Array(randomBytes(NONCE_LENGTH))
      const sealed = gcmEncrypt(footerKey.key, nonce, signed, moduleAad(this.fileAad, ModuleType.Footer))
      const tag = sealed.subarray(sealed.length - GCM_TAG_LENGTH)
      return concatBytes([signed, nonce, tag, u32le(signed.length + NONCE_LENGTH + GCM_TAG_LENGTH), PAR1])
    }
    const crypto = encodeStruct(FileCryptoMetaDataDef, {
      encryption_algorithm: this.algorithmStruct,
      key_metadata: footerKey.keyMetadata,
    })
    const plain = encodeStruct(FileMetaDataDef, {
      ...metadata,
      encryption_algorithm: undefined,
      footer_signing_key_metadata: undefined,
    })
    const module = this.encrypt(plain, footerKey.key, ModuleType.Footer)
    return concatBytes([crypto, module, u32le(crypto.length + module.length), PARE])
  }
}
