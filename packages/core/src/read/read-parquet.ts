import type { ParquetSource } from '../io/byte-source.js'
import type { ParquetFile } from './parquet-file.js'
import { type ColumnBatch, type ColumnsOptions, readColumnGroups } from './read-columns.js'

export type Row = Record<string, unknown>

/** The options of readColumns: projection down to leaves, row groups, keys, decoding. */
export type ReadOptions = ColumnsOptions

/** Row objects of a batch of columns, keys in schema order. */
function toRows({ numRows, columns }: ColumnBatch): Row[] {
  const entries = Object.entries(columns)
  const rows: Row[] = new Array(numRows)
  for (let i = 0; i < numRows; i++) {
    const row: Row = {}
    for (const [name, values] of entries) row[name] = values[i]
    rows[i] = row
  }
  return rows
}

/**
 * Reads the rows of an encrypted or plain Parquet file, one row group at a time. Each row group is
 * yielded only after all of its chunks were decrypted and authenticated.
 */
export async function* readParquetRowGroups(
  source: ParquetSource | ParquetFile,
  options: ReadOptions = {},
): AsyncGenerator<Row[]> {
  for await (const group of readColumnGroups(source, options)) yield toRows(group)
}

/** Reads all rows; on any integrity failure it throws and returns nothing. */
export async function readParquet(source: ParquetSource | ParquetFile, options: ReadOptions = {}): Promise<Row[]> {
  const rows: Row[] = []
  for await (const group of readParquetRowGroups(source, options)) for (const row of group) rows.push(row)
  return rows
}
