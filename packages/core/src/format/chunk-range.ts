import type { ColumnMetaData } from '../thrift/parquet-structs.js'

/** Byte range of a column chunk: from its dictionary page (if any) over total_compressed_size bytes. */
export function chunkRange(meta: ColumnMetaData): { start: number; end: number; hasDictionary: boolean } {
  const dictionary = meta.dictionary_page_offset
  // Some writers store 0 for "no dictionary page" (parquet-testing dict-page-offset-zero.parquet).
  const hasDictionary = dictionary !== undefined && dictionary > 0 && dictionary < meta.data_page_offset
  const start = hasDictionary ? dictionary : meta.data_page_offset
  return { start, end: start + meta.total_compressed_size, hasDictionary }
}
