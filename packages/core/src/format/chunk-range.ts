import type { ColumnMetaData } from '../thrift/parquet-structs.js'
import { MAGIC_LENGTH } from './file-tail.js'

/** Byte range of a column chunk: from its dictionary page (if any) over total_compressed_size bytes. */
export function chunkRange(meta: ColumnMetaData): { start: number; end: number; hasDictionary: boolean } {
  const dictionary = meta.dictionary_page_offset
  const data = meta.data_page_offset
  // Some writers store 0 for "no dictionary page" (parquet-testing dict-page-offset-zero.parquet), and
  // some store data_page_offset 0, which is the file's magic, for a chunk with no data page
  // (column_chunk_key_value_metadata.parquet: a 0-row row group holding only a dictionary page).
  const hasDictionary =
    dictionary !== undefined && dictionary >= MAGIC_LENGTH && (dictionary < data || data < MAGIC_LENGTH)
  const start = hasDictionary ? dictionary : data
  return { start, end: start + meta.total_compressed_size, hasDictionary }
}
