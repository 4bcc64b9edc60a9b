import { gzipSync } from 'node:zlib'
import { encodeStruct, list, type StructDef, struct } from '../../src/thrift/struct-codec.js'

/*
 * Builds small plaintext Parquet files by hand: REQUIRED leaves (top level or in one REQUIRED group),
 * one row group, one PLAIN V1 data page per column. The Thrift field ids are parquet.thrift's, written
 * out here rather than taken from the library's definitions.
 */

const DataPageHeader = struct('DataPageHeader', {
  1: ['num_values', 'i32'],
  2: ['encoding', 'i32'],
  3: ['definition_level_encoding', 'i32'],
  4: ['repetition_level_encoding', 'i32'],
})
const DictionaryPageHeader = struct('DictionaryPageHeader', { 1: ['num_values', 'i32'], 2: ['encoding', 'i32'] })
const PageHeader = struct('PageHeader', {
  1: ['type', 'i32'],
  2: ['uncompressed_page_size', 'i32'],
  3: ['compressed_page_size', 'i32'],
  5: ['data_page_header', DataPageHeader],
  7: ['dictionary_page_header', DictionaryPageHeader],
})
const SchemaElement = struct('SchemaElement', {
  1: ['type', 'i32'],
  3: ['repetition_type', 'i32'],
  4: ['name', 'string'],
  5: ['num_children', 'i32'],
})
const ColumnMetaData = struct('ColumnMetaData', {
  1: ['type', 'i32'],
  2: ['encodings', list('i32')],
  3: ['path_in_schema', list('string')],
  4: ['codec', 'i32'],
  5: ['num_values', 'i64'],
  6: ['total_uncompressed_size', 'i64'],
  7: ['total_compressed_size', 'i64'],
  9: ['data_page_offset', 'i64'],
  11: ['dictionary_page_offset', 'i64'],
})
const ColumnChunk = struct('ColumnChunk', { 2: ['file_offset', 'i64'], 3: ['meta_data', ColumnMetaData] })
const RowGroup = struct('RowGroup', {
  1: ['columns', list(ColumnChunk)],
  2: ['total_byte_size', 'i64'],
  3: ['num_rows', 'i64'],
})
const FileMetaData: StructDef = struct('FileMetaData', {
  1: ['version', 'i32'],
  2: ['schema', list(SchemaElement)],
  3: ['num_rows', 'i64'],
  4: ['row_groups', list(RowGroup)],
})

const PHYSICAL_TYPE = { INT32: 1, INT96: 3 } as const
const CODEC = { UNCOMPRESSED: 0, GZIP: 2 } as const
const REQUIRED = 0
const PLAIN = 0
const RLE = 3
const RLE_DICTIONARY = 8
const PAGE_TYPE = { DATA_PAGE: 0, DICTIONARY_PAGE: 2 } as const

export interface PlainColumn {
  /** [leaf] at the top level, or [group, leaf]; leaves of one group must be adjacent. */
  readonly path: readonly string[]
  readonly type: keyof typeof PHYSICAL_TYPE
  /** PLAIN-encoded values, one per row. */
  readonly values: Uint8Array
  readonly codec?: keyof typeof CODEC
  /**
   * Write the values as a dictionary page followed by a data page of indexes. `unset-offset` leaves
   * dictionary_page_offset out and points data_page_offset at the dictionary page, as parquet-mr 1.x did.
   */
  readonly dictionary?: 'offset' | 'unset-offset'
  /** Replaces fields of the written ColumnMetaData, e.g. to point it somewhere else. */
  readonly metaOverrides?: Readonly<Record<string, unknown>>
}

export interface BuiltFile {
  readonly bytes: Uint8Array
  /** Byte range of each column chunk (page header and page), by dot path. */
  readonly chunks: Readonly<Record<string, { start: number; end: number }>>
}

export function int32Plain(values: readonly number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4)
  const view = new DataView(out.buffer)
  values.forEach((value, i) => {
    view.setInt32(i * 4, value, true)
  })
  return out
}

/** INT96 as Parquet stores it: 8 bytes of nanoseconds of the day, then 4 bytes of Julian day, little-endian. */
export function int96Plain(values: readonly { nanosOfDay: bigint; julianDay: number }[]): Uint8Array {
  const out = new Uint8Array(values.length * 12)
  const view = new DataView(out.buffer)
  values.forEach((value, i) => {
    view.setBigUint64(i * 12, value.nanosOfDay, true)
    view.setUint32(i * 12 + 8, value.julianDay, true)
  })
  return out
}

function leafElement(column: PlainColumn): object {
  return { type: PHYSICAL_TYPE[column.type], repetition_type: REQUIRED, name: column.path[column.path.length - 1] }
}

function schemaOf(columns: readonly PlainColumn[]): object[] {
  const elements: object[] = []
  let topLevel = 0
  for (let i = 0; i < columns.length; ) {
    const column = columns[i] as PlainColumn
    topLevel++
    if (column.path.length === 1) {
      elements.push(leafElement(column))
      i++
      continue
    }
    let end = i
    while (end < columns.length && columns[end]?.path[0] === column.path[0]) end++
    elements.push({ repetition_type: REQUIRED, name: column.path[0], num_children: end - i })
    for (const member of columns.slice(i, end)) elements.push(leafElement(member))
    i = end
  }
  return [{ name: 'schema', num_children: topLevel }, ...elements]
}

/** A data page of dictionary indexes 0..n-1: bit width, then one RLE run of length 1 per value. */
function dictionaryIndexes(count: number): Uint8Array {
  const bitWidth = Math.max(1, Math.ceil(Math.log2(count)))
  const runs = Array.from({ length: count }, (_, i) => [1 << 1, i]).flat()
  return Uint8Array.from([bitWidth, ...runs])
}

/** A page header and its (compressed) body. `kind` says which page header struct it carries. */
function page(
  kind: 'dictionary' | 'plain' | 'indexes',
  values: Uint8Array,
  codec: keyof typeof CODEC,
  numValues: number,
): Uint8Array[] {
  const body = codec === 'GZIP' ? new Uint8Array(gzipSync(values)) : values
  const levels = { definition_level_encoding: RLE, repetition_level_encoding: RLE }
  const header = encodeStruct(PageHeader, {
    type: kind === 'dictionary' ? PAGE_TYPE.DICTIONARY_PAGE : PAGE_TYPE.DATA_PAGE,
    uncompressed_page_size: values.length,
    compressed_page_size: body.length,
    ...(kind === 'dictionary'
      ? { dictionary_page_header: { num_values: numValues, encoding: PLAIN } }
      : {
          data_page_header: { num_values: numValues, encoding: kind === 'plain' ? PLAIN : RLE_DICTIONARY, ...levels },
        }),
  })
  return [header, body]
}

export function plainParquet(columns: readonly PlainColumn[], numRows: number): BuiltFile {
  const parts: Uint8Array[] = [new TextEncoder().encode('PAR1')]
  let offset = 4
  const chunks: Record<string, { start: number; end: number }> = {}
  const append = (bytes: Uint8Array[]) => {
    parts.push(...bytes)
    offset += bytes.reduce((sum, part) => sum + part.length, 0)
  }
  const columnChunks = columns.map((column) => {
    const codec = column.codec ?? 'UNCOMPRESSED'
    const start = offset
    if (column.dictionary) append(page('dictionary', column.values, codec, numRows))
    const dataPageOffset = offset
    append(
      column.dictionary
        ? page('indexes', dictionaryIndexes(numRows), codec, numRows)
        : page('plain', column.values, codec, numRows),
    )
    chunks[column.path.join('.')] = { start, end: offset }
    return {
      file_offset: start,
      meta_data: {
        type: PHYSICAL_TYPE[column.type],
        encodings: column.dictionary ? [PLAIN, RLE_DICTIONARY] : [PLAIN],
        path_in_schema: [...column.path],
        codec: CODEC[codec],
        num_values: numRows,
        total_uncompressed_size: offset - start, // exact unless GZIP is used; no reader here checks it
        total_compressed_size: offset - start,
        data_page_offset: column.dictionary === 'unset-offset' ? start : dataPageOffset,
        ...(column.dictionary === 'offset' ? { dictionary_page_offset: start } : {}),
        ...column.metaOverrides,
      },
    }
  })
  const footer = encodeStruct(FileMetaData, {
    version: 1,
    schema: schemaOf(columns),
    num_rows: numRows,
    row_groups: [{ columns: columnChunks, total_byte_size: offset - 4, num_rows: numRows }],
  })
  const length = new Uint8Array(4)
  new DataView(length.buffer).setUint32(0, footer.length, true)
  parts.push(footer, length, new TextEncoder().encode('PAR1'))
  return { bytes: new Uint8Array(Buffer.concat(parts)), chunks }
}
