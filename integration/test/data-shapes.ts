/**
 * The data shapes both write directions share: each is written once by pme (writeParquet /
 * ParquetFileWriter) and once by pyarrow (pq.write_table), and every value read back is compared
 * with the values defined here. Values are plain JS (INT64 as bigint, a map as [key, value] pairs);
 * `toJson` turns them into the form python/read_plain.py prints, which is also the form
 * python/pyarrow_crypto.py builds tables from. pme writes nested columns with an explicit schema
 * (`pmeSchema`), the same Parquet schema pyarrow writes for the Arrow types.
 */
import type { ColumnData, SchemaElement, WriteOptions } from '@pme/core'
import type { PyColumn, PyColumnType, PyScalarType } from './pyarrow-crypto.js'

export type Value = number | bigint | boolean | string | null | Value[] | { [field: string]: Value }

export interface ShapeColumn {
  name: string
  type: PyColumnType
  nullable: boolean
  values: Value[]
}

/** How pme writes a shape: WriteOptions, and the number of writeColumns() batches (streaming). */
export interface PmeWrite {
  options: Pick<WriteOptions, 'codec' | 'rowGroupSize' | 'pageSize' | 'pageIndex' | 'schema'>
  batches: number
}

export interface DataShape {
  id: string
  rows: number
  columns: ShapeColumn[]
  /** How pme writes it, or why it cannot (yet). */
  pme: PmeWrite | { unsupported: string }
  /** pq.write_table keyword arguments. */
  pyarrow: Record<string, unknown>
  /** Columns that must be dictionary-encoded (a dictionary page, AAD module types 3 and 5). */
  dictionaryColumns: string[]
  /** Each column chunk must hold more than one data page (page ordinals > 0 in the AADs). */
  multiPage: boolean
  /** The file must have more than one row group (row-group ordinals > 0), each at most this many rows. */
  maxRowGroupRows?: number
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)
const WORDS = ['', 'a', 'Zürich', 'naïve café', 'ß', '東京', '😀 emoji', 'tab\there', 'quote"', 'z']

// ------------------------------------------------------------------------------------------ schema

const isScalar = (type: PyColumnType): type is PyScalarType => typeof type === 'string'

const PARQUET_TYPES: Record<PyScalarType, Pick<SchemaElement, 'type' | 'converted_type'>> = {
  int32: { type: 'INT32' },
  int64: { type: 'INT64' },
  double: { type: 'DOUBLE' },
  boolean: { type: 'BOOLEAN' },
  string: { type: 'BYTE_ARRAY', converted_type: 'UTF8' },
}

/** The schema elements of one column: lists in the three-level form, maps as MAP / key_value / key, value. */
function schemaElements(name: string, type: PyColumnType, nullable: boolean): SchemaElement[] {
  const repetition_type = nullable ? 'OPTIONAL' : 'REQUIRED'
  if (isScalar(type)) return [{ name, repetition_type, ...PARQUET_TYPES[type] }]
  if ('list' in type) {
    return [
      { name, repetition_type, converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      ...schemaElements('element', type.list, type.element_nullable),
    ]
  }
  if ('map' in type) {
    return [
      { name, repetition_type, converted_type: 'MAP', num_children: 1 },
      { name: 'key_value', repetition_type: 'REPEATED', num_children: 2 },
      ...schemaElements('key', type.map, false),
      ...schemaElements('value', type.value, type.value_nullable),
    ]
  }
  return [
    { name, repetition_type, num_children: type.struct.length },
    ...type.struct.flatMap((field) => schemaElements(field.name, field.type, field.nullable)),
  ]
}

/**
 * The Parquet schema of the columns in hyparquet's form (flattened SchemaElements, root first): the
 * schema pyarrow writes for the same Arrow types (python/pyarrow_crypto.py arrow_type).
 */
export function pmeSchema(columns: readonly ShapeColumn[]): SchemaElement[] {
  return [
    { name: 'root', num_children: columns.length },
    ...columns.flatMap((c) => schemaElements(c.name, c.type, c.nullable)),
  ]
}

// ------------------------------------------------------------------------------------------ shapes

/** Required INT32, INT64, DOUBLE, BOOLEAN, STRING with edge values; no page index, uncompressed. */
const flatRequired: DataShape = {
  id: 'flat-required',
  rows: 200,
  columns: [
    {
      name: 'i32',
      type: 'int32',
      nullable: false,
      values: range(200).map((i) => (i === 0 ? -2147483648 : i === 1 ? 2147483647 : ((i * 7919) % 100_000) - 50_000)),
    },
    {
      name: 'i64',
      type: 'int64',
      nullable: false,
      values: range(200).map((i) =>
        i === 0 ? -(2n ** 63n) : i === 1 ? 2n ** 63n - 1n : BigInt(i - 100) * 1_000_000_007_919n + 2n ** 53n,
      ),
    },
    {
      name: 'd',
      type: 'double',
      nullable: false,
      values: range(200).map((i) =>
        i === 0 ? Number.POSITIVE_INFINITY : i === 1 ? Number.NEGATIVE_INFINITY : i === 2 ? 5e-324 : (i - 100) * 1.1,
      ),
    },
    { name: 'b', type: 'boolean', nullable: false, values: range(200).map((i) => i % 3 === 0) },
    {
      name: 's',
      type: 'string',
      nullable: false,
      values: range(200).map((i) => `${WORDS[i % WORDS.length]}${i}`),
    },
  ],
  pme: { options: { codec: 'UNCOMPRESSED', pageIndex: false }, batches: 1 },
  pyarrow: { compression: 'NONE' },
  dictionaryColumns: [],
  multiPage: false,
}

/** Every type nullable with its own null pattern, NaN in the doubles, one all-null column. */
const nullable: DataShape = {
  id: 'nullable',
  rows: 300,
  columns: [
    { name: 'i32', type: 'int32', nullable: true, values: range(300).map((i) => (i % 3 === 0 ? null : i * 3 - 400)) },
    {
      name: 'i64',
      type: 'int64',
      nullable: true,
      values: range(300).map((i) => (i % 5 === 1 ? null : BigInt(i) * -98_765_432_123n)),
    },
    {
      name: 'd',
      type: 'double',
      nullable: true,
      values: range(300).map((i) => (i % 4 === 2 ? null : i % 50 === 7 ? Number.NaN : i / 8)),
    },
    { name: 'b', type: 'boolean', nullable: true, values: range(300).map((i) => (i % 7 === 3 ? null : i % 2 === 1)) },
    {
      name: 's',
      type: 'string',
      nullable: true,
      values: range(300).map((i) => (i % 2 === 0 ? null : `${WORDS[i % WORDS.length]}-${i}`)),
    },
    { name: 'all_null', type: 'string', nullable: true, values: range(300).map(() => null) },
  ],
  pme: { options: { codec: 'ZSTD' }, batches: 1 },
  // Arrow frames encrypted V2 pages with levels as one module (pme-reference §5): our reader must too.
  pyarrow: { compression: 'zstd', data_page_version: '2.0' },
  dictionaryColumns: [],
  multiPage: false,
}

/** Few distinct values over many rows: dictionary pages. */
const dictionary: DataShape = {
  id: 'dictionary',
  rows: 1000,
  columns: [
    {
      name: 'city',
      type: 'string',
      nullable: false,
      values: range(1000).map((i) => ['Zürich', 'Lyon', 'Osaka', 'Lima'][(i * 7) % 4] as string),
    },
    {
      name: 'status',
      type: 'string',
      nullable: true,
      values: range(1000).map((i) => (i % 9 === 0 ? null : (['open', 'closed', 'pending'][i % 3] as string))),
    },
    { name: 'code', type: 'int32', nullable: false, values: range(1000).map((i) => [10, 20, 30][i % 3] as number) },
  ],
  pme: { options: { codec: 'GZIP' }, batches: 1 },
  pyarrow: { compression: 'gzip', use_dictionary: true },
  dictionaryColumns: ['city', 'status', 'code'],
  multiPage: false,
}

/** Small pages with a page index: many data pages per chunk, encrypted column and offset indexes. */
const multiPage: DataShape = {
  id: 'multipage-page-index',
  rows: 4000,
  columns: [
    { name: 'id', type: 'int32', nullable: false, values: range(4000) },
    {
      name: 'big',
      type: 'int64',
      nullable: true,
      values: range(4000).map((i) => (i % 11 === 0 ? null : BigInt(i) ** 3n)),
    },
    { name: 'label', type: 'string', nullable: false, values: range(4000).map((i) => `row-${i}-${WORDS[i % 10]}`) },
    { name: 'x', type: 'double', nullable: false, values: range(4000).map((i) => Math.sin(i) * 1000) },
  ],
  pme: { options: { codec: 'SNAPPY', pageSize: 1024, pageIndex: true }, batches: 1 },
  pyarrow: {
    compression: 'snappy',
    data_page_size: 1024,
    write_batch_size: 100,
    write_page_index: true,
    use_dictionary: false,
  },
  dictionaryColumns: [],
  multiPage: true,
}

/** Small row groups; pme streams the rows in three writeColumns() batches. */
const rowGroups: DataShape = {
  id: 'row-groups',
  rows: 450,
  columns: [
    { name: 'n', type: 'int32', nullable: false, values: range(450).map((i) => i * 2) },
    {
      name: 'tag',
      type: 'string',
      nullable: true,
      values: range(450).map((i) => (i % 13 === 0 ? null : `t${i % 17}`)),
    },
    { name: 'ts', type: 'int64', nullable: false, values: range(450).map((i) => 1_700_000_000_000n + BigInt(i)) },
  ],
  pme: { options: { codec: 'LZ4_RAW', rowGroupSize: 100 }, batches: 3 },
  pyarrow: { compression: 'lz4', row_group_size: 100 },
  dictionaryColumns: [],
  multiPage: false,
  maxRowGroupRows: 100,
}

// hyparquet-writer 0.17.0 infers flat columns only (an object or array value would become a JSON string
// column): pme writes the nested shapes with an explicit `schema` (WriteOptions.schema, pmeSchema).

/** Nullable lists with null and empty lists and null elements; a required list of required strings. */
const nestedListColumns: ShapeColumn[] = [
  {
    name: 'ints',
    type: { list: 'int32', element_nullable: true },
    nullable: true,
    values: range(120).map((i) =>
      i % 10 === 0 ? null : i % 10 === 1 ? [] : range(i % 4).map((k) => (k === 1 && i % 3 === 0 ? null : i * 10 + k)),
    ),
  },
  {
    name: 'words',
    type: { list: 'string', element_nullable: false },
    nullable: false,
    values: range(120).map((i) => range(1 + (i % 3)).map((k) => WORDS[(i + k) % WORDS.length] as string)),
  },
]

/** pme streams the lists in two writeColumns() batches, with the schema given once. */
const nestedList: DataShape = {
  id: 'nested-list',
  rows: 120,
  columns: nestedListColumns,
  pme: { options: { codec: 'SNAPPY', schema: pmeSchema(nestedListColumns) }, batches: 2 },
  pyarrow: { compression: 'snappy', data_page_version: '2.0' },
  dictionaryColumns: [],
  multiPage: false,
}

/** A nullable struct with a nullable scalar, a string and a list inside. */
const nestedStructColumns: ShapeColumn[] = [
  {
    name: 'person',
    type: {
      struct: [
        { name: 'age', type: 'int32', nullable: true },
        { name: 'name', type: 'string', nullable: false },
        { name: 'scores', type: { list: 'int64', element_nullable: true }, nullable: true },
      ],
    },
    nullable: true,
    values: range(120).map((i) =>
      i % 8 === 0
        ? null
        : {
            age: i % 5 === 0 ? null : 20 + (i % 50),
            name: `${WORDS[i % WORDS.length]}#${i}`,
            scores:
              i % 6 === 0
                ? null
                : range(i % 4).map((k) => (k === 2 ? null : BigInt(i) * 1_000_000_000_000n + BigInt(k))),
          },
    ),
  },
  { name: 'id', type: 'int64', nullable: false, values: range(120).map((i) => BigInt(i)) },
]

const nestedStruct: DataShape = {
  id: 'nested-struct',
  rows: 120,
  columns: nestedStructColumns,
  pme: { options: { codec: 'BROTLI', schema: pmeSchema(nestedStructColumns) }, batches: 1 },
  pyarrow: { compression: 'brotli' },
  dictionaryColumns: [],
  multiPage: false,
}

/**
 * MAP columns: a nullable map with null and empty maps and null values, a required map of required
 * strings. Keys are distinct within a map and never integer-like, so that a reader returning a map as
 * a JS object (hyparquet) keeps every entry in stored order.
 */
const nestedMapColumns: ShapeColumn[] = [
  {
    name: 'attrs',
    type: { map: 'string', value: 'int64', value_nullable: true },
    nullable: true,
    values: range(150).map((i) =>
      i % 9 === 0
        ? null
        : i % 9 === 1
          ? []
          : range(1 + (i % 4)).map((k) => [
              `k${k}·${WORDS[(i + k) % WORDS.length]}`,
              k === 1 && i % 2 === 0 ? null : BigInt(i) * -1_000_000_007n + BigInt(k),
            ]),
    ),
  },
  {
    name: 'labels',
    type: { map: 'string', value: 'string', value_nullable: false },
    nullable: false,
    values: range(150).map((i) => range(i % 3).map((k) => [`${WORDS[(i + k) % WORDS.length]}#${k}`, `v${i}.${k}`])),
  },
  { name: 'n', type: 'int32', nullable: false, values: range(150).map((i) => i * 3) },
]

/** Several row groups: the maps' repetition levels restart at each. */
const nestedMap: DataShape = {
  id: 'nested-map',
  rows: 150,
  columns: nestedMapColumns,
  pme: { options: { codec: 'ZSTD', rowGroupSize: 60, schema: pmeSchema(nestedMapColumns) }, batches: 1 },
  pyarrow: { compression: 'zstd', row_group_size: 60 },
  dictionaryColumns: [],
  multiPage: false,
  maxRowGroupRows: 60,
}

export const DATA_SHAPES: readonly DataShape[] = [
  flatRequired,
  nullable,
  dictionary,
  multiPage,
  rowGroups,
  nestedList,
  nestedStruct,
  nestedMap,
]

export const pmeWritable = (shape: DataShape): shape is DataShape & { pme: PmeWrite } => !('unsupported' in shape.pme)

// ------------------------------------------------------------------------------------- conversions

/**
 * A value in python/read_plain.py's JSON form: INT64 as decimal strings, non-finite doubles as
 * "NaN" / "Infinity" / "-Infinity", lists as arrays, structs as objects with every field, maps as
 * [key, value] pairs in stored order. `undefined` (hyparquet's null for a missing list, struct or map)
 * becomes null; a map may come as pairs (the input data), a Map, or a plain object (hyparquet).
 */
export function toJson(value: unknown, type: PyColumnType): unknown {
  if (value === null || value === undefined) return null
  if (isScalar(type)) {
    if (type === 'int64') {
      if (typeof value !== 'bigint') throw new TypeError(`INT64 value ${String(value)} is a ${typeof value}`)
      return value.toString()
    }
    if (type === 'double' && typeof value === 'number' && !Number.isFinite(value)) {
      return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity'
    }
    return value
  }
  if ('list' in type) {
    if (!Array.isArray(value)) throw new TypeError(`list value ${String(value)} is not an array`)
    return value.map((element) => toJson(element, type.list))
  }
  if ('map' in type) {
    return mapEntries(value).map(([k, v]) => [toJson(k, type.map), toJson(v, type.value)])
  }
  if (typeof value !== 'object') throw new TypeError(`struct value ${String(value)} is not an object`)
  const record = value as Record<string, unknown>
  return Object.fromEntries(type.struct.map((field) => [field.name, toJson(record[field.name], field.type)]))
}

/** Per column, the JSON values a reader must produce for the shape. */
export function expectedColumns(shape: DataShape): Record<string, unknown[]> {
  return Object.fromEntries(shape.columns.map((c) => [c.name, c.values.map((v) => toJson(v, c.type))]))
}

/** The shape's columns for pyarrow_crypto.py's write job. */
export function pyColumns(shape: DataShape): PyColumn[] {
  return shape.columns.map((c) => ({ ...c, values: c.values.map((v) => toJson(v, c.type)) }))
}

/** Rows from readParquet, as per-column JSON values; throws if a row lacks a column. */
export function rowsToColumns(rows: Record<string, unknown>[], shape: DataShape): Record<string, unknown[]> {
  return Object.fromEntries(
    shape.columns.map((c) => [
      c.name,
      rows.map((row, i) => {
        if (!(c.name in row)) throw new Error(`row ${i} has no column ${c.name} (keys: ${Object.keys(row).join(', ')})`)
        return toJson(row[c.name], c.type)
      }),
    ]),
  )
}

/** A map value's entries: [key, value] pairs, a Map, or a plain object. */
function mapEntries(value: unknown): [unknown, unknown][] {
  const entries = value instanceof Map ? [...value] : Array.isArray(value) ? value : null
  if (entries === null) {
    if (typeof value !== 'object' || value === null) throw new TypeError(`map value ${String(value)} is not a map`)
    return Object.entries(value)
  }
  for (const entry of entries) {
    if (!Array.isArray(entry) || entry.length !== 2) throw new TypeError(`map entry ${String(entry)} is not a pair`)
  }
  return entries as [unknown, unknown][]
}

const BASIC_TYPES = { int32: 'INT32', int64: 'INT64', double: 'DOUBLE', boolean: 'BOOLEAN', string: 'STRING' } as const

/**
 * Rows [start, end) of the shape as hyparquet-writer ColumnSource objects. Nested columns carry only
 * their values (lists as arrays, structs as objects, maps as [key, value] pairs): they need the
 * shape's schema in the write options.
 */
export function pmeColumns(shape: DataShape, start = 0, end = shape.rows): ColumnData[] {
  return shape.columns.map((c) => {
    const data = c.values.slice(start, end)
    return isScalar(c.type)
      ? { name: c.name, data, type: BASIC_TYPES[c.type], nullable: c.nullable }
      : { name: c.name, data }
  })
}

/** A leaf column of a shape column: its dot path, its type, and the leaf slots one row value fills. */
export interface ShapeLeaf {
  path: string
  type: PyScalarType
  /**
   * The leaf's slots for one row, as the Dremel encoding lays them out: a value, or null where the
   * value or one of its parents is null, or a list or map is empty (one slot each).
   */
  slots: (value: Value | undefined) => Value[]
}

function leavesOf(type: PyColumnType): { path: string[]; type: PyScalarType; slots: ShapeLeaf['slots'] }[] {
  if (isScalar(type)) return [{ path: [], type, slots: (value) => [value ?? null] }]
  if ('list' in type) {
    return leavesOf(type.list).map((leaf) => ({
      ...leaf,
      path: ['list', 'element', ...leaf.path],
      slots: (value) =>
        Array.isArray(value) && value.length > 0 ? value.flatMap((element) => leaf.slots(element)) : [null],
    }))
  }
  if ('map' in type) {
    const side = (name: 'key' | 'value', leaf: ReturnType<typeof leavesOf>[number], index: 0 | 1) => ({
      ...leaf,
      path: ['key_value', name, ...leaf.path],
      slots: (value: Value | undefined) =>
        value === null || value === undefined || mapEntries(value).length === 0
          ? [null]
          : mapEntries(value).flatMap((entry) => leaf.slots(entry[index] as Value)),
    })
    return [
      ...leavesOf(type.map).map((leaf) => side('key', leaf, 0)),
      ...leavesOf(type.value).map((leaf) => side('value', leaf, 1)),
    ]
  }
  return type.struct.flatMap((field) =>
    leavesOf(field.type).map((leaf) => ({
      ...leaf,
      path: [field.name, ...leaf.path],
      slots: (value: Value | undefined) =>
        value === null || value === undefined ? [null] : leaf.slots((value as { [f: string]: Value })[field.name]),
    })),
  )
}

/** The leaf columns of a shape column, in schema order, with their dot paths as pyarrow names them. */
export function shapeLeaves(column: ShapeColumn): ShapeLeaf[] {
  return leavesOf(column.type).map((leaf) => ({ ...leaf, path: [column.name, ...leaf.path].join('.') }))
}

/** The arrow type pyarrow reports for a scalar column (read_plain.py's arrow_type). */
const ARROW_TYPES: Record<PyScalarType, string> = {
  int32: 'int32',
  int64: 'int64',
  double: 'double',
  boolean: 'bool',
  string: 'string',
}

const notNull = (nullable: boolean): string => (nullable ? '' : ' not null')

/**
 * The arrow type pyarrow 25 reports for a column it reads from a Parquet file without a stored Arrow
 * schema (pme writes none): e.g. list<element: int32>, struct<a: int32, b: string not null>, and
 * map<string, int64 ('name')>: pyarrow names a map's entries field after the column, and its type
 * string shows that name (and not the nullability of the values).
 */
export function arrowType(type: PyColumnType, name: string): string {
  if (isScalar(type)) return ARROW_TYPES[type]
  if ('list' in type) return `list<element: ${arrowType(type.list, 'element')}${notNull(type.element_nullable)}>`
  if ('map' in type) return `map<${arrowType(type.map, 'key')}, ${arrowType(type.value, 'value')} ('${name}')>`
  const fields = type.struct.map((f) => `${f.name}: ${arrowType(f.type, f.name)}${notNull(f.nullable)}`)
  return `struct<${fields.join(', ')}>`
}

// ------------------------------------------------------------------------------------- statistics

/** Parquet orders BYTE_ARRAY min/max as unsigned bytes: compare UTF-8, not UTF-16. */
const utf8Compare = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))

/**
 * Statistics a reader should see for rows [start, end) of a leaf column, in read_plain.py's
 * statistics_json form: the null count (null slots, see ShapeLeaf) always; min and max (strings as
 * hex, INT64 beyond 2^53 as decimal strings) for INT32, INT64 and STRING leaves whose strings fit
 * hyparquet-writer's 16-byte statistics truncation, otherwise `minMax` is undefined (not checked).
 */
export function expectedStatistics(
  column: ShapeColumn,
  leaf: ShapeLeaf,
  start: number,
  end: number,
): { nullCount: number; minMax?: { min: unknown; max: unknown } } {
  const values = column.values.slice(start, end).flatMap((value) => leaf.slots(value))
  const present = values.filter((v) => v !== null)
  const nullCount = values.length - present.length
  if (present.length === 0) return { nullCount }
  if (leaf.type === 'int32') {
    const numbers = present as number[]
    return { nullCount, minMax: { min: Math.min(...numbers), max: Math.max(...numbers) } }
  }
  if (leaf.type === 'int64') {
    const big = present as bigint[]
    const fmt = (v: bigint) => (v > -(2n ** 53n) && v < 2n ** 53n ? Number(v) : v.toString())
    const sorted = [...big].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    return { nullCount, minMax: { min: fmt(sorted[0] as bigint), max: fmt(sorted.at(-1) as bigint) } }
  }
  if (leaf.type === 'string') {
    const strings = present as string[]
    if (strings.some((s) => Buffer.byteLength(s, 'utf8') > 16)) return { nullCount }
    const sorted = [...strings].sort(utf8Compare)
    const hexOf = (s: string) => Buffer.from(s, 'utf8').toString('hex')
    return { nullCount, minMax: { min: hexOf(sorted[0] as string), max: hexOf(sorted.at(-1) as string) } }
  }
  return { nullCount }
}
