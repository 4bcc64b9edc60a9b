import { type PlainChunk, readPlainChunk } from '../read/column-chunk.js'
import { readBloomFilterBytes, readColumnIndexBytes, readOffsetIndex } from '../read/column-indexes.js'
import type { ParquetFile } from '../read/parquet-file.js'
import type { ColumnChunk, ColumnMetaData, OffsetIndex, RowGroup } from '../thrift/parquet-structs.js'

/** One column chunk in plaintext: pages, full metadata, and its page index and bloom filter. */
export interface PlainColumnChunk {
  /** The chunk as the source footer has it (kept for fields this library does not name). */
  readonly chunk: ColumnChunk
  readonly meta: ColumnMetaData
  readonly plain: PlainChunk
  readonly columnIndex?: Uint8Array
  /** Offsets still those of the source file: the writer relocates them. */
  readonly offsetIndex?: OffsetIndex
  readonly bloomFilter?: Uint8Array
}

export interface PlainRowGroup {
  readonly rowGroup: RowGroup
  readonly columns: PlainColumnChunk[]
}

/** Reads (and, for encrypted files, decrypts and authenticates) a whole row group. */
export async function readPlainRowGroup(file: ParquetFile, rowGroup: number): Promise<PlainRowGroup> {
  const source = file.rowGroup(rowGroup)
  const columns: PlainColumnChunk[] = []
  for (let column = 0; column < source.columns.length; column++) {
    const meta = await file.columnMetaData(rowGroup, column)
    const plain = await readPlainChunk(file, rowGroup, column, meta)
    const offsetIndex = await readOffsetIndex(file, rowGroup, column)
    const columnIndex = await readColumnIndexBytes(file, rowGroup, column)
    const bloomFilter = await readBloomFilterBytes(file, rowGroup, column, meta)
    columns.push({
      chunk: file.chunk(rowGroup, column),
      meta,
      plain,
      ...(offsetIndex ? { offsetIndex } : {}),
      ...(columnIndex ? { columnIndex } : {}),
      ...(bloomFilter ? { bloomFilter } : {}),
    })
  }
  return { rowGroup: source, columns }
}
