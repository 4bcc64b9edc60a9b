import { gunzipSync } from 'node:zlib'
import { parquetMetadata, parquetReadObjects } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'
import { describe, expect, it } from 'vitest'
import { MalformedFileError, UsageError } from '../src/errors.js'
import { type CodecName, CompressionCodec, compress, loadCodecs } from '../src/pages/codecs.js'
import { type ColumnLevels, toV1Page } from '../src/pages/v1-page.js'
import { readParquet } from '../src/read/read-parquet.js'
import { type PageHeader, PageHeaderDef } from '../src/thrift/parquet-structs.js'
import { decodeStruct, encodeStruct, list, struct } from '../src/thrift/struct-codec.js'
import { expectSameBytes } from './helpers/bytes.js'
import { nullsAsNull, tableRows, writeV2File } from './helpers/page-data.js'
import { readDataFile, skipWithoutData } from './helpers/test-data.js'
import { countPages, reframeToV1, rewritePages, toV1 } from './helpers/v1-file.js'

// zstd's WebAssembly loads asynchronously: the writers await this themselves, these tests call compress() directly.
await loadCodecs()

/*
 * toV1Page on hand-made pages (exact byte layout, header fields, edge cases), then on whole files:
 * every V2 page hyparquet-writer writes, re-framed, must read back as the rows that were written.
 * The Thrift definitions below are parquet.thrift's, written out here rather than taken from the
 * library, with the Statistics fields named so the test can see them.
 */

const Statistics = struct('Statistics', {
  3: ['null_count', 'i64'],
  5: ['max_value', 'binary'],
  6: ['min_value', 'binary'],
})
const TestPageHeader = struct('PageHeader', {
  1: ['type', 'i32'],
  2: ['uncompressed_page_size', 'i32'],
  3: ['compressed_page_size', 'i32'],
  4: ['crc', 'i32'],
  5: [
    'data_page_header',
    struct('DataPageHeader', {
      1: ['num_values', 'i32'],
      2: ['encoding', 'i32'],
      3: ['definition_level_encoding', 'i32'],
      4: ['repetition_level_encoding', 'i32'],
      5: ['statistics', Statistics],
    }),
  ],
  8: [
    'data_page_header_v2',
    struct('DataPageHeaderV2', {
      1: ['num_values', 'i32'],
      2: ['num_nulls', 'i32'],
      3: ['num_rows', 'i32'],
      4: ['encoding', 'i32'],
      5: ['definition_levels_byte_length', 'i32'],
      6: ['repetition_levels_byte_length', 'i32'],
      7: ['is_compressed', 'bool'],
      8: ['statistics', Statistics],
    }),
  ],
  // Not in parquet.thrift: stands for a field a newer writer adds.
  20: ['future', list('i32')],
})

const DATA_PAGE = 0
const DATA_PAGE_V2 = 3
const RLE = 3
const RLE_DICTIONARY = 8

const REPETITION = Uint8Array.of(0x06, 0x00, 0x02, 0x01) // RLE runs, bit width 1
const DEFINITION = Uint8Array.of(0x08, 0x02, 0x04, 0x01, 0x03)
const VALUES = Uint8Array.from({ length: 40 }, (_, i) => (i * 7) & 0xff)

interface V2Spec {
  repetition?: Uint8Array
  definition?: Uint8Array
  values?: Uint8Array
  codec?: number
  isCompressed?: boolean
  extra?: Record<string, unknown>
  v2Extra?: Record<string, unknown>
}

/** A V2 page as a writer stores it, its header decoded by the library (as callers get it). */
function v2Page(spec: V2Spec = {}): { header: PageHeader; body: Uint8Array } {
  const { repetition = REPETITION, definition = DEFINITION, values = VALUES, codec = 0 } = spec
  const storedValues = spec.isCompressed === false ? values : compress(codec, values)
  const body = Uint8Array.from([...repetition, ...definition, ...storedValues])
  const headerBytes = encodeStruct(TestPageHeader, {
    type: DATA_PAGE_V2,
    uncompressed_page_size: repetition.length + definition.length + values.length,
    compressed_page_size: body.length,
    data_page_header_v2: {
      num_values: 9,
      num_nulls: 2,
      num_rows: 4,
      encoding: RLE_DICTIONARY,
      definition_levels_byte_length: definition.length,
      repetition_levels_byte_length: repetition.length,
      is_compressed: spec.isCompressed,
      ...spec.v2Extra,
    },
    ...spec.extra,
  })
  return { header: decodeStruct<PageHeader>(PageHeaderDef, headerBytes).value, body }
}

function u32le(value: number): Uint8Array {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, value, true)
  return out
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((part) => [...part]))
}

/** The V1 header as written, decoded with the test's own definition. */
function writtenHeader(header: PageHeader): Record<string, unknown> {
  return decodeStruct<Record<string, unknown>>(TestPageHeader, encodeStruct(PageHeaderDef, header)).value
}

const NESTED: ColumnLevels = { maxRepetitionLevel: 1, maxDefinitionLevel: 3 }
const NULLABLE: ColumnLevels = { maxRepetitionLevel: 0, maxDefinitionLevel: 1 }
const REQUIRED: ColumnLevels = { maxRepetitionLevel: 0, maxDefinitionLevel: 0 }

describe('toV1Page on one page', () => {
  it('prefixes each level section with its u32le length and compresses levels and values together', () => {
    const { header, body } = v2Page({ codec: CompressionCodec.SNAPPY })
    const v1 = toV1Page(header, body, CompressionCodec.SNAPPY, NESTED)
    const expected = concat(u32le(4), REPETITION, u32le(5), DEFINITION, VALUES)
    expect(v1.header.uncompressed_page_size).toBe(expected.length)
    expect(v1.header.compressed_page_size).toBe(v1.body.length)
    // Decompressed by hyparquet-compressors directly, not by the code under test.
    expectSameBytes(
      (compressors.SNAPPY as (b: Uint8Array, n: number) => Uint8Array)(v1.body, expected.length),
      expected,
    )
  })

  it('writes a DATA_PAGE header: values, encoding, RLE levels; no crc, no V2 header', () => {
    const { header, body } = v2Page({ codec: CompressionCodec.SNAPPY, extra: { crc: 1234 } })
    const written = writtenHeader(toV1Page(header, body, CompressionCodec.SNAPPY, NESTED).header)
    expect(written.type).toBe(DATA_PAGE)
    expect(written.crc).toBeUndefined()
    expect(written.data_page_header_v2).toBeUndefined()
    expect(written.data_page_header).toEqual({
      num_values: 9,
      encoding: RLE_DICTIONARY,
      definition_level_encoding: RLE,
      repetition_level_encoding: RLE,
    })
  })

  it('leaves out the repetition section of a column that is not repeated', () => {
    const { header, body } = v2Page({ repetition: new Uint8Array(0) })
    const v1 = toV1Page(header, body, CompressionCodec.UNCOMPRESSED, NULLABLE)
    expectSameBytes(v1.body, concat(u32le(5), DEFINITION, VALUES))
  })

  it('has only the values for a required column', () => {
    const { header, body } = v2Page({ repetition: new Uint8Array(0), definition: new Uint8Array(0) })
    const v1 = toV1Page(header, body, CompressionCodec.UNCOMPRESSED, REQUIRED)
    expectSameBytes(v1.body, VALUES)
    expect(v1.header.uncompressed_page_size).toBe(VALUES.length)
  })

  it('drops level sections a writer encoded for a level whose maximum is 0 (all zeros, skipped by readers)', () => {
    const zeroLevels = Uint8Array.of(0x88, 0x01) // one RLE run of 68 zeros at bit width 0
    const { header, body } = v2Page({ repetition: zeroLevels })
    const v1 = toV1Page(header, body, CompressionCodec.UNCOMPRESSED, NULLABLE)
    expectSameBytes(v1.body, concat(u32le(5), DEFINITION, VALUES))
  })

  it('compresses the whole V1 body even when the V2 values were stored uncompressed (is_compressed false)', () => {
    const { header, body } = v2Page({ codec: CompressionCodec.GZIP, isCompressed: false })
    expectSameBytes(body.subarray(9), VALUES)
    const v1 = toV1Page(header, body, CompressionCodec.GZIP, NESTED)
    expectSameBytes(new Uint8Array(gunzipSync(v1.body)), concat(u32le(4), REPETITION, u32le(5), DEFINITION, VALUES))
  })

  it.each(['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'BROTLI', 'ZSTD', 'LZ4', 'LZ4_RAW'] as const)(
    'round-trips the body with codec %s',
    (name: CodecName) => {
      const codec = CompressionCodec[name]
      const { header, body } = v2Page({ codec })
      const v1 = toV1Page(header, body, codec, NESTED)
      const expected = concat(u32le(4), REPETITION, u32le(5), DEFINITION, VALUES)
      const decompressor = name === 'UNCOMPRESSED' ? (b: Uint8Array) => b : compressors[name]
      expectSameBytes(decompressor?.(v1.body, expected.length) as Uint8Array, expected)
    },
  )

  it('carries the V2 page statistics over as they are', () => {
    const statistics = { null_count: 2, min_value: Uint8Array.of(1, 0, 0, 0), max_value: Uint8Array.of(9, 0, 0, 0) }
    const { header, body } = v2Page({ v2Extra: { statistics } })
    const written = writtenHeader(toV1Page(header, body, CompressionCodec.UNCOMPRESSED, NESTED).header)
    expect((written.data_page_header as Record<string, unknown>).statistics).toEqual(statistics)
  })

  it('keeps PageHeader fields it does not know (a newer writer’s)', () => {
    const { header, body } = v2Page({ extra: { future: [7, 8] } })
    const written = writtenHeader(toV1Page(header, body, CompressionCodec.UNCOMPRESSED, NESTED).header)
    expect(written.future).toEqual([7, 8])
  })

  it('does not modify the header it is given', () => {
    const { header, body } = v2Page({ codec: CompressionCodec.SNAPPY })
    const before = encodeStruct(PageHeaderDef, header)
    toV1Page(header, body, CompressionCodec.SNAPPY, NESTED)
    expectSameBytes(encodeStruct(PageHeaderDef, header), before)
  })
})

describe('toV1Page on empty pages', () => {
  const empty = new Uint8Array(0)

  it.each(['UNCOMPRESSED', 'SNAPPY', 'ZSTD', 'LZ4_RAW'] as const)(
    '%s: 0 values of a nested column give two zero-length level sections',
    (name) => {
      const codec = CompressionCodec[name]
      const { header, body } = v2Page({
        codec,
        repetition: empty,
        definition: empty,
        values: empty,
        v2Extra: { num_values: 0, num_nulls: 0, num_rows: 0 },
      })
      const v1 = toV1Page(header, body, codec, NESTED)
      expect(v1.header.data_page_header?.num_values).toBe(0)
      expect(v1.header.uncompressed_page_size).toBe(8)
      const decompressor = name === 'UNCOMPRESSED' ? (b: Uint8Array) => b : compressors[name]
      expectSameBytes(decompressor?.(v1.body, 8) as Uint8Array, new Uint8Array(8))
    },
  )

  it('0 values of a required column give an empty body, compressed', () => {
    const { header, body } = v2Page({ codec: 1, repetition: empty, definition: empty, values: empty })
    const v1 = toV1Page(header, body, CompressionCodec.SNAPPY, REQUIRED)
    expect(v1.header.uncompressed_page_size).toBe(0)
    expectSameBytes(v1.body, Uint8Array.of(0)) // snappy: a varint length of 0
  })

  it('accepts empty values stored as 0 bytes under a codec (as parquet-mr writes them)', () => {
    const { header } = v2Page({ repetition: empty, definition: DEFINITION, values: empty, isCompressed: true })
    const body = DEFINITION // no snappy bytes at all for the empty values
    const v1 = toV1Page({ ...header, compressed_page_size: body.length }, body, CompressionCodec.SNAPPY, NULLABLE)
    expectSameBytes(
      (compressors.SNAPPY as (b: Uint8Array, n: number) => Uint8Array)(v1.body, 9),
      concat(u32le(5), DEFINITION),
    )
  })
})

describe('toV1Page rejects what it cannot re-frame', () => {
  it('a page that is not a DATA_PAGE_V2 is a UsageError', () => {
    const { header, body } = v2Page()
    expect(() => toV1Page({ ...header, type: DATA_PAGE }, body, 0, NESTED)).toThrow(UsageError)
  })

  it('a DATA_PAGE_V2 without its V2 header is malformed', () => {
    const { header, body } = v2Page()
    expect(() => toV1Page({ ...header, data_page_header_v2: undefined }, body, 0, NESTED)).toThrow(MalformedFileError)
  })

  it('levels longer than the page are malformed', () => {
    const { header, body } = v2Page({ v2Extra: { definition_levels_byte_length: 100 } })
    expect(() => toV1Page(header, body, 0, NESTED)).toThrow(MalformedFileError)
  })

  it('a body of another length than compressed_page_size is malformed', () => {
    const { header, body } = v2Page()
    expect(() => toV1Page(header, body.subarray(1), 0, NESTED)).toThrow(MalformedFileError)
  })

  it('values of another size than the header says are malformed', () => {
    const { header, body } = v2Page()
    const wrong = { ...header, uncompressed_page_size: header.uncompressed_page_size + 1 }
    expect(() => toV1Page(wrong, body, 0, NESTED)).toThrow(MalformedFileError)
  })

  it('an uncompressed size smaller than the levels is malformed', () => {
    const { header, body } = v2Page()
    expect(() => toV1Page({ ...header, uncompressed_page_size: 3 }, body, 0, NESTED)).toThrow(MalformedFileError)
  })
})

async function hyparquetRows(bytes: Uint8Array): Promise<unknown[]> {
  const buffer = bytes.slice().buffer as ArrayBuffer
  return parquetReadObjects({ file: buffer, metadata: parquetMetadata(buffer), compressors })
}

const LEAF_COLUMNS = 8 // id, score, name, note, tags.list.element, s.a, s.b, m.list.element.list.element

describe('files of V2 pages from hyparquet-writer, re-framed as V1', () => {
  const rows = tableRows(400)

  it.each(['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'ZSTD', 'LZ4_RAW'] as const)(
    '%s: every data page becomes V1 and the rows read back as written',
    async (codec) => {
      const original = writeV2File(rows, codec, 512)
      const before = countPages(original)
      expect(before.v1).toBe(0)
      expect(before.v2).toBeGreaterThan(3 * LEAF_COLUMNS) // several pages per column
      const converted = reframeToV1(original)
      expect(countPages(converted)).toEqual({ dictionary: before.dictionary, v1: before.v2, v2: 0 })
      expect((await readParquet(converted)).map(nullsAsNull)).toEqual(rows)
      expect((await hyparquetRows(converted)).map(nullsAsNull)).toEqual(rows)
    },
  )

  it('an empty V1 page after the pages of each column changes nothing', async () => {
    const original = writeV2File(rows, 'SNAPPY', 2048)
    const converted = rewritePages(original, (page, context) => {
      const pages = toV1(page, context)
      const v2 = page.header.data_page_header_v2
      if (!context.isLast || !v2) return pages
      const empty = {
        type: DATA_PAGE_V2,
        uncompressed_page_size: 0,
        compressed_page_size: 1,
        data_page_header_v2: {
          ...v2,
          num_values: 0,
          num_nulls: 0,
          num_rows: 0,
          definition_levels_byte_length: 0,
          repetition_levels_byte_length: 0,
        },
      }
      return [
        ...pages,
        toV1Page(empty, compress(CompressionCodec.SNAPPY, new Uint8Array(0)), context.meta.codec, context.leaf),
      ]
    })
    const counts = countPages(converted)
    expect(counts.v1).toBe(countPages(original).v2 + LEAF_COLUMNS)
    expect((await readParquet(converted)).map(nullsAsNull)).toEqual(rows)
  })
})

/** parquet-testing files with V2 pages, by other writers; hyparquet cannot read the first as it is. */
const TESTING_V2_FILES = [
  'datapage_v2_empty_datapage.snappy.parquet',
  'page_v2_empty_compressed.parquet',
  'concatenated_gzip_members.parquet',
  'delta_binary_packed.parquet',
  'delta_byte_array.parquet',
  'delta_encoding_required_column.parquet',
  'delta_length_byte_array.parquet',
  'rle-dict-snappy-checksum.parquet',
  'rle-dict-uncompressed-corrupt-checksum.parquet',
  'rle_boolean_encoding.parquet',
]

describe.skipIf(skipWithoutData('parquet-testing V2 files re-framed as V1'))(
  'parquet-testing V2 files re-framed as V1',
  () => {
    it.each(TESTING_V2_FILES.slice(1))('%s reads with hyparquet as the original does', async (name) => {
      const original = readDataFile(name)
      const before = countPages(original)
      expect(before.v2).toBeGreaterThan(0)
      const converted = reframeToV1(original)
      expect(countPages(converted)).toEqual({ dictionary: before.dictionary, v1: before.v1 + before.v2, v2: 0 })
      expect(await hyparquetRows(converted)).toEqual(await hyparquetRows(original))
    })

    it('datapage_v2_empty_datapage.snappy.parquet: its empty V2 page, which hyparquet cannot read, reads as V1', async () => {
      const original = readDataFile(TESTING_V2_FILES[0] as string)
      await expect(hyparquetRows(original)).rejects.toThrow()
      // parquet-testing README: "a single row, value is null".
      expect(await hyparquetRows(reframeToV1(original))).toEqual([{ value: null }])
    })
  },
)
