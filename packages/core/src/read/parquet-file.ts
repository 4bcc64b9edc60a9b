import { ModuleType } from '../crypto/aad.js'
import { moduleSize } from '../crypto/module-cipher.js'
import { MalformedFileError, MissingKeyError, PmeError } from '../errors.js'
import { type AlgorithmParameters, algorithmParameters } from '../format/encryption-algorithm.js'
import { readFileTail } from '../format/file-tail.js'
import { type LeafColumn, leafColumns } from '../format/schema.js'
import { type ByteSource, type ParquetSource, toByteSource } from '../io/byte-source.js'
import {
  type ColumnChunk,
  type ColumnMetaData,
  ColumnMetaDataDef,
  type FileCryptoMetaData,
  FileCryptoMetaDataDef,
  type FileMetaData,
  FileMetaDataDef,
  type RowGroup,
} from '../thrift/parquet-structs.js'
import { decodeStruct, type StructDef } from '../thrift/struct-codec.js'
import { type DecryptionProperties, hasKeySource } from './decryption-properties.js'
import { FileDecryptor } from './file-decryptor.js'

export type SignatureState = 'verified' | 'not-checked'

/** How a file is encrypted, as far as its unencrypted parts and the supplied keys tell. */
export interface FileEncryption {
  readonly params: AlgorithmParameters
  readonly encryptedFooter: boolean
  readonly footerKeyMetadata: Uint8Array | undefined
  /** Plaintext-footer files only: whether the footer signature was checked. */
  readonly signature?: SignatureState
}

export type ColumnEncryption =
  | { readonly kind: 'plaintext' }
  | { readonly kind: 'footer-key' }
  | { readonly kind: 'column-key'; readonly keyMetadata: Uint8Array | undefined }

export interface OpenOptions {
  /** Name used in errors when the source is not a path. */
  name?: string
}

function decodeAt<T>(def: StructDef, bytes: Uint8Array, file: string, what: string): { value: T; end: number } {
  try {
    return decodeStruct<T>(def, bytes)
  } catch (error) {
    if (PmeError.is(error)) throw new MalformedFileError(`${what}: ${error.detail}`, { file })
    throw error
  }
}

/** An open Parquet file: its (decrypted) footer, and the means to decrypt its column chunks. */
export class ParquetFile {
  readonly leaves: LeafColumn[]

  private constructor(
    readonly source: ByteSource,
    readonly metadata: FileMetaData,
    readonly encryption: FileEncryption | undefined,
    readonly decryptor: FileDecryptor | undefined,
  ) {
    this.leaves = leafColumns(metadata.schema)
  }

  get name(): string {
    return this.source.name
  }

  static async open(
    input: ParquetSource,
    props?: DecryptionProperties,
    options: OpenOptions = {},
  ): Promise<ParquetFile> {
    const source = await toByteSource(input, options.name)
    const file = source.name
    const tail = await readFileTail(source)
    if (tail.encryptedFooter) return ParquetFile.openEncryptedFooter(source, tail.footer, props ?? {})
    const { value: metadata } = decodeAt<FileMetaData>(FileMetaDataDef, tail.footer, file, 'footer')
    if (!metadata.encryption_algorithm) return new ParquetFile(source, metadata, undefined, undefined)

    const params = algorithmParameters(metadata.encryption_algorithm)
    const footerKeyMetadata = metadata.footer_signing_key_metadata
    // Without any key source this is a "legacy" read of the plaintext columns, as parquet-java and
    // Arrow do when no decryption properties are given; the signature cannot be checked then.
    if (!hasKeySource(props)) {
      const encryption = { params, encryptedFooter: false, footerKeyMetadata, signature: 'not-checked' as const }
      return new ParquetFile(source, metadata, encryption, undefined)
    }
    const decryptor = new FileDecryptor(file, params, props ?? {})
    let signature: SignatureState = 'not-checked'
    if (props?.checkFooterSignature !== false) {
      const key = await decryptor.footerKey(footerKeyMetadata).catch((error: unknown) => {
        if (error instanceof MissingKeyError) {
          throw new MissingKeyError(
            `${error.detail}: it is needed to verify the plaintext footer's signature (or disable the check)`,
            error.location,
          )
        }
        throw error
      })
      decryptor.verifyFooterSignature(tail.footer, key)
      signature = 'verified'
    }
    return new ParquetFile(
      source,
      metadata,
      { params, encryptedFooter: false, footerKeyMetadata, signature },
      decryptor,
    )
  }

  private static async openEncryptedFooter(
    source: ByteSource,
    footer: Uint8Array,
    props: DecryptionProperties,
  ): Promise<ParquetFile> {
    const file = source.name
    const { value: crypto, end } = decodeAt<FileCryptoMetaData>(FileCryptoMetaDataDef, footer, file, 'crypto metadata')
    const params = algorithmParameters(crypto.encryption_algorithm)
    const decryptor = new FileDecryptor(file, params, props)
    const key = await decryptor.footerKey(crypto.key_metadata)
    const module = footer.subarray(end)
    if (moduleSize(module, 0) !== module.length) {
      throw new MalformedFileError('encrypted footer module does not end where the footer length says', { file })
    }
    const plaintext = decryptor.decrypt(module, key, ModuleType.Footer, {}, {})
    const { value: metadata } = decodeAt<FileMetaData>(FileMetaDataDef, plaintext, file, 'decrypted footer')
    const encryption = { params, encryptedFooter: true, footerKeyMetadata: crypto.key_metadata }
    return new ParquetFile(source, metadata, encryption, decryptor)
  }

  rowGroup(index: number): RowGroup {
    const rowGroup = this.metadata.row_groups[index]
    if (!rowGroup) throw new MalformedFileError(`row group ${index} does not exist`, { file: this.name })
    return rowGroup
  }

  chunk(rowGroupIndex: number, columnIndex: number): ColumnChunk {
    const chunk = this.rowGroup(rowGroupIndex).columns[columnIndex]
    if (!chunk) {
      throw new MalformedFileError(`column ${columnIndex} missing from the row group`, {
        file: this.name,
        rowGroup: rowGroupIndex,
      })
    }
    return chunk
  }

  /** The row-group ordinal used in AADs: RowGroup.ordinal when the writer set it, else the index. */
  rowGroupOrdinal(rowGroupIndex: number): number {
    return this.rowGroup(rowGroupIndex).ordinal ?? rowGroupIndex
  }

  columnEncryption(rowGroupIndex: number, columnIndex: number): ColumnEncryption {
    const crypto = this.chunk(rowGroupIndex, columnIndex).crypto_metadata
    if (!crypto) return { kind: 'plaintext' }
    if (crypto.ENCRYPTION_WITH_COLUMN_KEY) {
      return { kind: 'column-key', keyMetadata: crypto.ENCRYPTION_WITH_COLUMN_KEY.key_metadata }
    }
    return { kind: 'footer-key' }
  }

  leaf(columnIndex: number): LeafColumn {
    const leaf = this.leaves[columnIndex]
    if (!leaf) throw new MalformedFileError(`column ordinal ${columnIndex} is not in the schema`, { file: this.name })
    return leaf
  }

  /** The key of an encrypted column chunk, or undefined for a plaintext one. */
  async columnKey(rowGroupIndex: number, columnIndex: number): Promise<Uint8Array | undefined> {
    const encryption = this.columnEncryption(rowGroupIndex, columnIndex)
    if (encryption.kind === 'plaintext') return undefined
    const column = this.leaf(columnIndex).dotPath
    if (!this.decryptor || !this.encryption) {
      throw new MissingKeyError('the column is encrypted and no keys were supplied', { file: this.name, column })
    }
    if (encryption.kind === 'footer-key') {
      return this.decryptor.footerKey(this.encryption.footerKeyMetadata).catch((error: unknown) => {
        throw PmeError.is(error) ? error.at({ column }) : error
      })
    }
    return this.decryptor.columnKey(column, encryption.keyMetadata)
  }

  /**
   * The full ColumnMetaData of a chunk. Encrypted columns carry it in encrypted_column_metadata
   * (plaintext footers keep only a redacted copy in meta_data; encrypted footers omit it for
   * column-key columns).
   */
  async columnMetaData(rowGroupIndex: number, columnIndex: number): Promise<ColumnMetaData> {
    const chunk = this.chunk(rowGroupIndex, columnIndex)
    const column = this.leaf(columnIndex).dotPath
    const location = { file: this.name, rowGroup: rowGroupIndex, column }
    const needsDecryption =
      chunk.encrypted_column_metadata !== undefined &&
      (chunk.crypto_metadata?.ENCRYPTION_WITH_COLUMN_KEY !== undefined || !this.encryption?.encryptedFooter)
    if (!needsDecryption) {
      if (!chunk.meta_data) throw new MalformedFileError('column chunk has no metadata', location)
      return chunk.meta_data
    }
    const key = await this.columnKey(rowGroupIndex, columnIndex)
    if (!key || !this.decryptor || !chunk.encrypted_column_metadata) {
      throw new MalformedFileError('column chunk has encrypted metadata but no crypto metadata', location)
    }
    const plaintext = this.decryptor.decrypt(
      chunk.encrypted_column_metadata,
      key,
      ModuleType.ColumnMetaData,
      { rowGroup: this.rowGroupOrdinal(rowGroupIndex), column: columnIndex },
      { rowGroup: rowGroupIndex, column },
    )
    return decodeAt<ColumnMetaData>(ColumnMetaDataDef, plaintext, this.name, `metadata of column ${column}`).value
  }
}
