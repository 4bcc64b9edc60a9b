import type { DecodedArray, SchemaTree } from 'hyparquet'
import { assembleNested } from 'hyparquet/src/assemble.js'
import { DEFAULT_PARSERS } from 'hyparquet/src/convert.js'
import { MalformedFileError, PmeError, UsageError } from '../errors.js'
import { selectsLeaf } from '../format/schema.js'
import type { ParquetSource } from '../io/byte-source.js'
import { type DecodeOptions, decodeChunk, hyparquetSchema, schemaPathOf } from './chunk-decoder.js'
import { readPlainChunk } from './column-chunk.js'
import type { DecryptionProperties } from './decryption-properties.js'
import { decimalColumn, withUnscaledDecimals } from './exact-decimals.js'
import { ParquetFile } from './parquet-file.js'

export interface ColumnsOptions extends DecryptionProperties, DecodeOptions {
  /**
   * Columns to read, as top-level names or dot paths down to a leaf ("address.city"). Only the leaves
   * they select are read and decrypted: leaves not selected need no key.
   */
  columns?: string[]
  /** Row groups to read, by index (default: all, in file order). */
  rowGroups?: number[]
  /** Name used in errors when the source is not a path. */
  name?: string
  /**
   * Top-level DECIMAL columns (INT32, INT64, FIXED_LEN_BYTE_ARRAY) as exact text ("-12.345000")
   * instead of numbers, which keep only 15-17 digits.
   */
  exactDecimals?: boolean
  /**
   * Read at most this many rows, from the first: pages past them are not decoded, so memory follows
   * the rows asked for rather than the row group. (Chunks are still read and authenticated whole.)
   */
  limit?: number
}

/**
 * Column values keyed by top-level column name, in schema order. A flat column of a required numeric
 * type is a typed array (Int32Array, BigInt64Array, Float64Array...); other columns are arrays, with
 * null for a null value (undefined for a null struct, list or map, as hyparquet assembles them). A
 * struct read in part holds only the selected fields; a map read in part is its Parquet group
 * ({ key_value: [{ value }] }), since it has no keys to be a map.
 */
export type Columns = Record<string, DecodedArray>

export interface ColumnBatch {
  readonly numRows: number
  readonly columns: Columns
}

export interface RowGroupBatch extends ColumnBatch {
  /** The row group's index in the file. */
  readonly rowGroup: number
}

/** The leaves to read, and the schema pruned to them (what assembly sees). */
interface Projection {
  readonly leaves: readonly number[]
  readonly tree: SchemaTree
  readonly leafPaths: readonly SchemaTree[][]
  /** Scales of the top-level decimal columns decoded unscaled (exactDecimals). */
  readonly decimalScales: ReadonlyMap<string, number>
}

function project(file: ParquetFile, requested: readonly string[] | undefined, exactDecimals = false): Projection {
  for (const name of requested ?? []) {
    if (!file.leaves.some((leaf) => selectsLeaf(name, leaf))) {
      const known = file.leaves.map((leaf) => leaf.dotPath).join(', ')
      throw new UsageError(`no column "${name}" in the file (columns: ${known})`, { file: file.name })
    }
  }
  const { tree: root, scales } = exactDecimals
    ? withUnscaledDecimals(hyparquetSchema(file))
    : { tree: hyparquetSchema(file), scales: new Map<string, number>() }
  const selected = (path: string) => {
    const leaf = file.leaves.find((candidate) => candidate.dotPath === path)
    return !requested || (leaf !== undefined && requested.some((name) => selectsLeaf(name, leaf)))
  }
  const leafPathsUnder = (node: SchemaTree): string[] =>
    node.children.length === 0 ? [node.path.join('.')] : node.children.flatMap(leafPathsUnder)
  // A VARIANT decodes only from both of its leaves (metadata and value): one selects the other.
  const kept = new Set<string>()
  const collect = (node: SchemaTree): void => {
    const under = leafPathsUnder(node)
    if (node.element.logical_type?.type === 'VARIANT' && under.some(selected)) {
      for (const path of under) kept.add(path)
    } else if (node.children.length === 0) {
      if (selected(node.path.join('.'))) kept.add(node.path.join('.'))
    } else node.children.forEach(collect)
  }
  collect(root)
  const prune = (node: SchemaTree): SchemaTree | undefined => {
    if (node.children.length === 0) return kept.has(node.path.join('.')) ? node : undefined
    const children = node.children.map(prune).filter((child): child is SchemaTree => child !== undefined)
    return children.length === 0 ? undefined : { ...node, children }
  }
  const tree = prune(root) ?? { ...root, children: [] }
  const leaves: number[] = []
  file.leaves.forEach((leaf, index) => {
    if (kept.has(leaf.dotPath)) leaves.push(index)
  })
  const leafPaths = leaves.map((index) => schemaPathOf(tree, file.leaf(index).path))
  return { leaves, tree, leafPaths, decimalScales: scales }
}

/** One array for several: typed when every part is a typed array of one kind. */
function join(parts: readonly DecodedArray[]): DecodedArray {
  if (parts.length === 1) return parts[0] as DecodedArray
  const first = parts[0]
  if (first && !Array.isArray(first) && parts.every((part) => part.constructor === first.constructor)) {
    const Typed = first.constructor as new (
      length: number,
    ) => DecodedArray & { set(a: ArrayLike<unknown>, o: number): void }
    const out = new Typed(parts.reduce((sum, part) => sum + part.length, 0))
    let offset = 0
    for (const part of parts) {
      out.set(part as ArrayLike<unknown>, offset)
      offset += part.length
    }
    return out
  }
  const out: unknown[] = new Array(parts.reduce((sum, part) => sum + part.length, 0))
  let offset = 0
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) out[offset + i] = part[i]
    offset += part.length
  }
  return out as DecodedArray
}

/** The first `count` values of a column's parts. */
function firstRows(parts: readonly DecodedArray[], count: number): DecodedArray[] {
  const kept: DecodedArray[] = []
  let left = count
  for (const part of parts) {
    if (left <= 0) break
    kept.push(part.length <= left ? part : part.slice(0, left))
    left -= part.length
  }
  return kept
}

/** Each top-level column's values in parts (a flat column's pages), joined by the caller once. */
type ColumnParts = Map<string, DecodedArray[]>

async function readRowGroup(
  file: ParquetFile,
  rowGroup: number,
  projection: Projection,
  options: ColumnsOptions,
  wanted: number,
): Promise<ColumnParts> {
  const numRows = file.rowGroup(rowGroup).num_rows
  const leafData = new Map<string, DecodedArray[]>()
  for (let i = 0; i < projection.leaves.length; i++) {
    const index = projection.leaves[i] as number
    const schemaPath = projection.leafPaths[i] as SchemaTree[]
    const leaf = file.leaf(index)
    // An empty row group has nothing to decode, and some writers leave its chunk offsets unset
    // (parquet-testing column_chunk_key_value_metadata.parquet).
    if (numRows === 0) {
      leafData.set(leaf.dotPath, [])
      continue
    }
    try {
      const meta = await file.columnMetaData(rowGroup, index)
      const plain = await readPlainChunk(file, rowGroup, index, meta)
      leafData.set(leaf.dotPath, decodeChunk(plain, meta, schemaPath, { group: numRows, wanted }, options))
    } catch (error) {
      if (PmeError.is(error)) throw error.at({ file: file.name, rowGroup, column: leaf.dotPath })
      throw error
    }
  }
  const parsers = { ...DEFAULT_PARSERS, ...options.parsers }
  const columns: ColumnParts = new Map()
  for (const child of projection.tree.children) {
    const name = child.element.name
    if (child.children.length === 0) {
      columns.set(name, leafData.get(name) ?? [])
      continue
    }
    // hyparquet assembles nested values from one array per leaf.
    const nested = new Map<string, DecodedArray>()
    for (const [path, parts] of leafData) if (path.startsWith(`${name}.`)) nested.set(path, join(parts))
    try {
      assembleNested(nested, child, parsers)
    } catch (error) {
      const detail = `cannot assemble column ${name}: ${(error as Error).message}`
      throw new MalformedFileError(detail, { file: file.name, rowGroup })
    }
    columns.set(name, [nested.get(name) as DecodedArray])
  }
  for (const [name, scale] of projection.decimalScales) {
    const parts = columns.get(name)
    if (parts)
      columns.set(
        name,
        parts.map((part) => decimalColumn(part, scale)),
      )
  }
  for (const [name, parts] of columns) {
    const count = parts.reduce((sum, part) => sum + part.length, 0)
    // Decoding may stop early (wanted < numRows), at a page end past the last wanted row.
    if (wanted === numRows ? count !== numRows : count < wanted || count > numRows) {
      const detail = `column ${name} decodes to ${count} values, the row group has ${numRows} rows`
      throw new MalformedFileError(detail, { file: file.name, rowGroup })
    }
    if (count > wanted) columns.set(name, firstRows(parts, wanted))
  }
  return columns
}

async function openFile(source: ParquetSource | ParquetFile, options: ColumnsOptions): Promise<ParquetFile> {
  if (source instanceof ParquetFile) return source
  return ParquetFile.open(source, options, options.name ? { name: options.name } : {})
}

function rowGroupIndexes(file: ParquetFile, requested: readonly number[] | undefined): number[] {
  const count = file.metadata.row_groups.length
  const indexes = requested ?? Array.from({ length: count }, (_, i) => i)
  for (const index of indexes) {
    if (!Number.isInteger(index) || index < 0 || index >= count) {
      throw new UsageError(`no row group ${index} in the file (it has ${count})`, { file: file.name })
    }
  }
  return [...indexes]
}

/**
 * Reads the selected columns one row group at a time. Each row group is yielded only after every
 * chunk it needs was decrypted and authenticated.
 */
export async function* readColumnGroups(
  source: ParquetSource | ParquetFile,
  options: ColumnsOptions = {},
): AsyncGenerator<RowGroupBatch> {
  for await (const { rowGroup, numRows, parts } of readGroupParts(source, options)) {
    const columns: Columns = {}
    for (const [name, list] of parts) columns[name] = join(list)
    yield { rowGroup, numRows, columns }
  }
}

async function* readGroupParts(
  source: ParquetSource | ParquetFile,
  options: ColumnsOptions,
): AsyncGenerator<{ rowGroup: number; numRows: number; parts: ColumnParts }> {
  const file = await openFile(source, options)
  const projection = project(file, options.columns, options.exactDecimals)
  let remaining = options.limit ?? Number.POSITIVE_INFINITY
  for (const rowGroup of rowGroupIndexes(file, options.rowGroups)) {
    if (remaining <= 0) break
    const wanted = Math.min(file.rowGroup(rowGroup).num_rows, remaining)
    const parts = await readRowGroup(file, rowGroup, projection, options, wanted)
    remaining -= wanted
    yield { rowGroup, numRows: wanted, parts }
  }
}

/** Reads the selected columns of the selected row groups; on any integrity failure it throws and returns nothing. */
export async function readColumns(
  source: ParquetSource | ParquetFile,
  options: ColumnsOptions = {},
): Promise<ColumnBatch> {
  const all: ColumnParts = new Map()
  let numRows = 0
  // Pages of all row groups are joined once, into one array per column.
  for await (const group of readGroupParts(source, options)) {
    numRows += group.numRows
    for (const [name, parts] of group.parts) {
      const list = all.get(name)
      // Appended in place: copying the list per row group is quadratic in the row groups.
      if (list) for (const part of parts) list.push(part)
      else all.set(name, [...parts])
    }
  }
  const columns: Columns = {}
  for (const [name, parts] of all) columns[name] = join(parts)
  return { numRows, columns }
}
