import { concatBytes } from '../crypto/aes.js'
import type { ColumnChunk, ColumnMetaData, FileMetaData, RowGroup } from '../thrift/parquet-structs.js'
import { FileMetaDataDef } from '../thrift/parquet-structs.js'
import { encodeStruct } from '../thrift/struct-codec.js'

export const PAR1_BYTES = Uint8Array.from([0x50, 0x41, 0x52, 0x31])

/** Where a rewritten column chunk and its indexes now live in a plaintext file. */
export interface ChunkPlacement {
  readonly start: number
  readonly length: number
  readonly hasDictionary: boolean
  readonly firstDataPageOffset: number
  readonly columnIndex?: { offset: number; length: number }
  readonly offsetIndex?: { offset: number; length: number }
  readonly bloomFilter?: { offset: number; length: number }
}

/**
 * data_page_offset of a chunk written at `start`: its first data page, or, for a chunk that holds only
 * a dictionary page, the end of the chunk (pointing it at the dictionary would make readers take the
 * dictionary page for a data page).
 */
export function firstDataPageOffset(
  start: number,
  chunk: { bytes: Uint8Array; dataPages: readonly { offset: number }[] },
): number {
  return start + (chunk.dataPages[0]?.offset ?? chunk.bytes.length)
}

/** A ColumnChunk as a plaintext file carries it: full metadata, no crypto fields, new offsets. */
export function plaintextColumnChunk(chunk: ColumnChunk, meta: ColumnMetaData, at: ChunkPlacement): ColumnChunk {
  return {
    ...chunk,
    file_offset: at.start,
    meta_data: {
      ...meta,
      total_compressed_size: at.length,
      data_page_offset: at.firstDataPageOffset,
      dictionary_page_offset: at.hasDictionary ? at.start : undefined,
      index_page_offset: undefined,
      bloom_filter_offset: at.bloomFilter?.offset,
      bloom_filter_length: at.bloomFilter?.length,
    },
    offset_index_offset: at.offsetIndex?.offset,
    offset_index_length: at.offsetIndex?.length,
    column_index_offset: at.columnIndex?.offset,
    column_index_length: at.columnIndex?.length,
    crypto_metadata: undefined,
    encrypted_column_metadata: undefined,
  }
}

/** FileMetaData of a plaintext file: the encryption fields of a plaintext-footer file removed. */
export function plaintextFileMetaData(metadata: FileMetaData, rowGroups: RowGroup[]): FileMetaData {
  const numRows = rowGroups.reduce((sum, rowGroup) => sum + rowGroup.num_rows, 0)
  return {
    ...metadata,
    num_rows: numRows,
    row_groups: rowGroups,
    encryption_algorithm: undefined,
    footer_signing_key_metadata: undefined,
  }
}

/** The bytes after the last data: serialized FileMetaData, its length, PAR1. */
export function plaintextFooterBytes(metadata: FileMetaData): Uint8Array {
  const footer = encodeStruct(FileMetaDataDef, metadata)
  const length = new Uint8Array(4)
  new DataView(length.buffer).setUint32(0, footer.length, true)
  return concatBytes([footer, length, PAR1_BYTES])
}
