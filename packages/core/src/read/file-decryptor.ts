import { timingSafeEqual } from 'node:crypto'
import { fileAad, type ModuleOrdinals, ModuleType, moduleAad, moduleName } from '../crypto/aad.js'
import { checkKey, GCM_TAG_LENGTH, gcmEncrypt, NONCE_LENGTH } from '../crypto/aes.js'
import { decryptModule, moduleCipher } from '../crypto/module-cipher.js'
import { AadPrefixError, type ErrorLocation, IntegrityError, MissingKeyError, PmeError } from '../errors.js'
import type { AlgorithmParameters } from '../format/encryption-algorithm.js'
import type { DecryptionProperties } from './decryption-properties.js'

const SIGNATURE_LENGTH = NONCE_LENGTH + GCM_TAG_LENGTH
const utf8 = new TextEncoder()

function toBytes(value: Uint8Array | string): Uint8Array {
  return typeof value === 'string' ? utf8.encode(value) : value
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b)
}

/** The spec's AAD prefix rules (parquet-java InternalFileDecryptor, Arrow HandleAadPrefix). */
function resolveAadPrefix(
  params: AlgorithmParameters,
  props: DecryptionProperties,
  file: string,
): Uint8Array | undefined {
  const supplied = props.aadPrefix === undefined ? undefined : toBytes(props.aadPrefix)
  const stored = params.aadPrefix
  let prefix: Uint8Array | undefined
  if (params.supplyAadPrefix) {
    if (!supplied) {
      throw new AadPrefixError(
        'the file was encrypted with an AAD prefix that is not stored in it: supply it (aadPrefix, --aad-prefix)',
        { file },
      )
    }
    prefix = supplied
  } else if (supplied) {
    if (!stored) {
      throw new AadPrefixError('an AAD prefix was supplied, but the file was not encrypted with one', { file })
    }
    if (!sameBytes(supplied, stored)) {
      throw new AadPrefixError('the supplied AAD prefix differs from the one stored in the file', { file })
    }
    prefix = stored
  } else {
    prefix = stored
  }
  if (props.aadPrefixVerifier) {
    if (!prefix) throw new AadPrefixError('an AAD prefix verifier is set, but the file has no AAD prefix', { file })
    props.aadPrefixVerifier(prefix)
  }
  return prefix
}

/**
 * Decrypts the modules of one file: knows the algorithm, the file AAD and where keys come from.
 * Keys are fetched on first use and cached for this file only.
 */
export class FileDecryptor {
  readonly fileAad: Uint8Array
  readonly aadPrefix: Uint8Array | undefined
  private readonly keys = new Map<string, Promise<Uint8Array>>()

  constructor(
    readonly file: string,
    readonly params: AlgorithmParameters,
    private readonly props: DecryptionProperties,
  ) {
    this.aadPrefix = resolveAadPrefix(params, props, file)
    this.fileAad = fileAad(this.aadPrefix, params.aadFileUnique)
  }

  /** Content that was read but cannot be trusted, and is left out: refused under `strict`, else reported. */
  leaveOut(reason: string, location: ErrorLocation): void {
    if (this.props.strict) throw new IntegrityError(`${reason}: refused (strict)`, { file: this.file, ...location })
    this.props.onWarning?.(`${this.file}: ${reason}; it is left out`)
  }

  footerKey(keyMetadata: Uint8Array | undefined): Promise<Uint8Array> {
    return this.cachedKey('footer', () => this.retrieve(this.props.footerKey, keyMetadata, 'the footer key', {}))
  }

  columnKey(dotPath: string, keyMetadata: Uint8Array | undefined): Promise<Uint8Array> {
    return this.cachedKey(`column:${dotPath}`, () =>
      this.retrieve(this.props.columnKeys?.[dotPath], keyMetadata, 'the column key', { column: dotPath }),
    )
  }

  private cachedKey(slot: string, load: () => Promise<Uint8Array>): Promise<Uint8Array> {
    let key = this.keys.get(slot)
    if (!key) {
      key = load()
      this.keys.set(slot, key)
    }
    return key
  }

  private async retrieve(
    explicit: Uint8Array | undefined,
    keyMetadata: Uint8Array | undefined,
    what: string,
    location: ErrorLocation,
  ): Promise<Uint8Array> {
    const at = { file: this.file, ...location }
    let key = explicit
    if (!key && keyMetadata && this.props.keyRetriever) {
      try {
        key = await this.props.keyRetriever(keyMetadata)
      } catch (error) {
        if (PmeError.is(error)) throw error.at(at)
        throw error
      }
    }
    if (!key) {
      const label = describeKeyMetadata(keyMetadata)
      throw new MissingKeyError(`no key for ${what}${label ? ` (key metadata ${label})` : ''}`, at)
    }
    try {
      checkKey(key, what)
    } catch (error) {
      throw (error as PmeError).at(at)
    }
    return key
  }

  /** Decrypts one framed module; errors carry the module's location. */
  decrypt(
    module: Uint8Array,
    key: Uint8Array,
    type: ModuleType,
    ordinals: ModuleOrdinals,
    location: ErrorLocation,
  ): Uint8Array {
    try {
      const aad = moduleAad(this.fileAad, type, ordinals)
      return decryptModule(module, key, aad, moduleCipher(this.params.algorithm, type))
    } catch (error) {
      if (PmeError.is(error)) throw error.at({ file: this.file, ...location, module: moduleName(type) })
      throw error
    }
  }

  /**
   * Verifies a plaintext footer's signature: the last 28 bytes of the footer region are nonce || tag of
   * AES-GCM over the serialized FileMetaData, with the footer key and the footer AAD.
   */
  verifyFooterSignature(footerRegion: Uint8Array, key: Uint8Array): void {
    if (footerRegion.length < SIGNATURE_LENGTH) {
      throw new IntegrityError('plaintext footer is too short to hold its signature', { file: this.file })
    }
    const signed = footerRegion.subarray(0, footerRegion.length - SIGNATURE_LENGTH)
    const nonce = footerRegion.subarray(signed.length, signed.length + NONCE_LENGTH)
    const tag = footerRegion.subarray(signed.length + NONCE_LENGTH)
    const sealed = gcmEncrypt(key, nonce, signed, moduleAad(this.fileAad, ModuleType.Footer))
    if (!sameBytes(sealed.subarray(sealed.length - GCM_TAG_LENGTH), tag)) {
      throw new IntegrityError('footer signature does not verify: wrong footer key or tampered footer', {
        file: this.file,
        module: 'footer signature',
      })
    }
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/** Key metadata as text when it is short printable UTF-8 (a key id), else its length. Never key bytes. */
function describeKeyMetadata(keyMetadata: Uint8Array | undefined): string | undefined {
  if (!keyMetadata || keyMetadata.length === 0) return undefined
  try {
    const text = strictUtf8.decode(keyMetadata)
    if (/^[\x20-\x7e]{1,200}$/.test(text)) return `"${text}"`
  } catch {
    // binary key metadata: fall through
  }
  return `of ${keyMetadata.length} bytes`
}
