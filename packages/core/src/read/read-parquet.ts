import { type ParquetParsers, parquetMetadata, parquetReadObjects } from 'hyparquet'
import { MalformedFileError, PmeError, UsageError } from '../errors.js'
import { type LeafColumn, selectsLeaf } from '../format/schema.js'
import type { ParquetSource } from '../io/byte-source.js'
import { decompressors } from '../pages/codecs.js'
import type { DecryptionProperties } from './decryption-properties.js'
import { ParquetFile } from './parquet-file.js'
import { rowGroupView } from './row-group-view.js'

export type Row = Record<string, unknown>

export interface ReadOptions extends DecryptionProperties {
  /**
   * Columns to read, as top-level names or dot paths. A column is decoded whole (all leaves of a
   * top-level field), so the keys of all its leaves are needed. Columns not read need no key.
   */
  columns?: string[]
  /** Name used in errors when the source is not a path. */
  name?: string
  /** Decode BYTE_ARRAY columns as UTF-8 strings when annotated so (hyparquet's default: true). */
  utf8?: boolean
  /** hyparquet value parsers (timestamps, dates, strings...), merged over its defaults. */
  parsers?: Partial<ParquetParsers>
  /**
   * Read at most this many rows, from the first: pages past them are not decoded, so memory follows
   * the rows asked for rather than the row group. (Chunks are still read and authenticated whole.)
   */
  limit?: number
}

/** Leaf ordinals to read and the top-level names hyparquet assembles them into. */
function projection(file: ParquetFile, requested: string[] | undefined): { leaves: Set<number>; names: string[] } {
  const root = (leaf: LeafColumn) => leaf.path[0] as string
  for (const name of requested ?? []) {
    if (!file.leaves.some((leaf) => selectsLeaf(name, leaf))) {
      const known = file.leaves.map((leaf) => leaf.dotPath).join(', ')
      throw new UsageError(`no column "${name}" in the file (columns: ${known})`, { file: file.name })
    }
  }
  // A requested name selects its whole top-level field: hyparquet assembles top-level columns.
  const selected = requested
    ? file.leaves.filter((leaf) => requested.some((name) => selectsLeaf(name, leaf)))
    : file.leaves
  const names = new Set(selected.map(root))
  const leaves = new Set<number>()
  file.leaves.forEach((leaf, index) => {
    if (names.has(root(leaf))) leaves.add(index)
  })
  return { leaves, names: [...names] }
}

async function decodeView(
  view: Uint8Array,
  names: string[],
  options: ReadOptions,
  file: string,
  rowEnd: number,
): Promise<Row[]> {
  try {
    const buffer = view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength) as ArrayBuffer
    const metadata = parquetMetadata(buffer, options.parsers ? { parsers: options.parsers } : {})
    return (await parquetReadObjects({
      file: buffer,
      metadata,
      columns: names,
      rowEnd,
      compressors: decompressors,
      ...(options.utf8 === undefined ? {} : { utf8: options.utf8 }),
      ...(options.parsers ? { parsers: options.parsers } : {}),
    })) as Row[]
  } catch (error) {
    if (error instanceof PmeError) throw error
    throw new MalformedFileError(`cannot decode the data: ${(error as Error).message}`, { file })
  }
}

/**
 * Reads the rows of an encrypted or plain Parquet file, one row group at a time. Each row group is
 * yielded only after all of its chunks were decrypted and authenticated.
 */
export async function* readParquetRowGroups(
  source: ParquetSource | ParquetFile,
  options: ReadOptions = {},
): AsyncGenerator<Row[]> {
  const file =
    source instanceof ParquetFile
      ? source
      : await ParquetFile.open(source, options, options.name ? { name: options.name } : {})
  const { leaves, names } = projection(file, options.columns)
  let remaining = options.limit ?? Number.POSITIVE_INFINITY
  for (let index = 0; index < file.metadata.row_groups.length && remaining > 0; index++) {
    // An empty row group has no rows to decode (hyparquet skips it too), and some writers leave its
    // chunk offsets unset (parquet-testing column_chunk_key_value_metadata.parquet).
    if (file.rowGroup(index).num_rows === 0) {
      yield []
      continue
    }
    const view = await rowGroupView(file, index, leaves)
    const rows = await decodeView(view, names, options, file.name, remaining)
    remaining -= rows.length
    yield rows
  }
}

/** Reads all rows; on any integrity failure it throws and returns nothing. */
export async function readParquet(source: ParquetSource | ParquetFile, options: ReadOptions = {}): Promise<Row[]> {
  const rows: Row[] = []
  // One push per row: spreading a large group (1M rows) into push() overflows the call stack.
  for await (const group of readParquetRowGroups(source, options)) for (const row of group) rows.push(row)
  return rows
}
