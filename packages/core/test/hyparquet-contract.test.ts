import { readFileSync } from 'node:fs'
import { type AsyncBuffer, parquetMetadata, parquetReadObjects } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'
import { describe, expect, it } from 'vitest'
import { readColumns } from '../src/read/read-columns.js'
import { readParquet } from '../src/read/read-parquet.js'
import { int32Plain, int96Plain, type PlainColumn, plainParquet } from './helpers/plain-parquet.js'

/*
 * What @pme/core relies on in hyparquet (pinned at 1.31.5), tested against hyparquet directly so an
 * upgrade that changes it fails here, not somewhere deep in a decryption test:
 *  - parquetMetadata(arrayBuffer) parses a footer (the writer, and readColumns for the schema tree);
 *  - its page decoding (codecs through hyparquet-compressors, INT96, parsers), which readColumns
 *    reaches through hyparquet's own readColumn (hyparquet/src/column.js) on each decrypted chunk.
 * And, through readColumns, that a leaf not requested is never read, whatever its metadata says.
 */

const ROWS = 5
const a = Array.from({ length: ROWS }, (_, i) => i * 3)
const b = Array.from({ length: ROWS }, (_, i) => -1 - i)
const x = Array.from({ length: ROWS }, (_, i) => 100 + i)
const y = Array.from({ length: ROWS }, (_, i) => 200 + i)

function columns(overrides: Partial<Record<string, Partial<PlainColumn>>> = {}): PlainColumn[] {
  const specs: PlainColumn[] = [
    { path: ['a'], type: 'INT32', values: int32Plain(a) },
    { path: ['s', 'x'], type: 'INT32', values: int32Plain(x) },
    { path: ['s', 'y'], type: 'INT32', values: int32Plain(y) },
    { path: ['b'], type: 'INT32', values: int32Plain(b) },
  ]
  return specs.map((spec) => ({ ...spec, ...overrides[spec.path.join('.')] }))
}

const arrayBufferOf = (bytes: Uint8Array): ArrayBuffer =>
  bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer

/** An AsyncBuffer that records every range hyparquet asks for. */
function spyBuffer(bytes: Uint8Array): { file: AsyncBuffer; ranges: [number, number][] } {
  const buffer = arrayBufferOf(bytes)
  const ranges: [number, number][] = []
  return {
    ranges,
    file: {
      byteLength: buffer.byteLength,
      slice: (start: number, end?: number) => {
        ranges.push([start, end ?? buffer.byteLength])
        return buffer.slice(start, end)
      },
    },
  }
}

const overlaps = (range: [number, number], chunk: { start: number; end: number }) =>
  range[0] < chunk.end && chunk.start < range[1]

describe('parquetMetadata', () => {
  it('parses the footer of an ArrayBuffer, with each chunk path_in_schema', () => {
    const { bytes } = plainParquet(columns(), ROWS)
    const metadata = parquetMetadata(arrayBufferOf(bytes))
    expect(Number(metadata.num_rows)).toBe(ROWS)
    expect(metadata.row_groups[0]?.columns.map((chunk) => chunk.meta_data?.path_in_schema)).toEqual([
      ['a'],
      ['s', 'x'],
      ['s', 'y'],
      ['b'],
    ])
  })
})

describe('parquetReadObjects', () => {
  const read = async (bytes: Uint8Array, names?: string[]) => {
    const file = arrayBufferOf(bytes)
    return parquetReadObjects({
      file,
      metadata: parquetMetadata(file),
      compressors,
      ...(names ? { columns: names } : {}),
    })
  }

  it('reads all columns when none are named, groups as objects', async () => {
    const { bytes } = plainParquet(columns(), ROWS)
    const expected = a.map((value, i) => ({ a: value, s: { x: x[i], y: y[i] }, b: b[i] }))
    expect(await read(bytes)).toEqual(expected)
  })

  it('returns exactly the requested top-level columns, a group with all its leaves', async () => {
    const { bytes } = plainParquet(columns(), ROWS)
    expect(await read(bytes, ['s', 'a'])).toEqual(a.map((value, i) => ({ s: { x: x[i], y: y[i] }, a: value })))
  })

  it('decodes GZIP pages with the compressors of hyparquet-compressors, and not without them', async () => {
    const { bytes } = plainParquet(columns({ a: { codec: 'GZIP' } }), ROWS)
    expect(await read(bytes, ['a'])).toEqual(a.map((value) => ({ a: value })))
    const file = arrayBufferOf(bytes)
    await expect(parquetReadObjects({ file, metadata: parquetMetadata(file), columns: ['a'] })).rejects.toThrow()
  })

  it('turns INT96 into a Date: (high32 - 2440588) days + low64 nanoseconds, to the millisecond', async () => {
    const values = [
      { nanosOfDay: 0n, julianDay: 2440588 },
      { nanosOfDay: 4_294_967_296n, julianDay: 2 },
      { nanosOfDay: 86_399_999_999_999n, julianDay: 2460000 },
    ]
    const { bytes } = plainParquet([{ path: ['t'], type: 'INT96', values: int96Plain(values) }], values.length)
    const expected = values.map(({ nanosOfDay, julianDay }) => {
      const nanos = (BigInt(julianDay) - 2440588n) * 86_400_000_000_000n + nanosOfDay
      return { t: new Date(Number(nanos / 1_000_000n)) }
    })
    expect(await read(bytes)).toEqual(expected)
  })

  it('applies the parsers it is given', async () => {
    const values = [{ nanosOfDay: 5n, julianDay: 2440589 }]
    const { bytes } = plainParquet([{ path: ['t'], type: 'INT96', values: int96Plain(values) }], 1)
    const file = arrayBufferOf(bytes)
    const parsers = { timestampFromNanoseconds: (nanos: bigint) => `${nanos}ns` as unknown as Date }
    const rows = await parquetReadObjects({ file, metadata: parquetMetadata(file), compressors, parsers })
    expect(rows).toEqual([{ t: `${86_400_000_000_000n + 5n}ns` }])
  })
})

describe('readColumns and leaves not requested', () => {
  it.each([
    [['a'], ['s.x', 's.y', 'b']],
    [['s'], ['a', 'b']],
    [['s.y'], ['a', 's.x', 'b']],
    [['b'], ['a', 's.x', 's.y']],
  ])('reading %j reads no byte of %j', async (requested, skipped) => {
    const { bytes, chunks } = plainParquet(columns(), ROWS)
    const { file, ranges } = spyBuffer(bytes)
    const { columns: read } = await readColumns(file, { columns: requested })
    expect(Object.keys(read)).toEqual(requested.map((name) => name.split('.')[0]))
    for (const path of skipped) {
      const chunk = chunks[path] as { start: number; end: number }
      expect(
        ranges.filter((range) => overlaps(range, chunk)),
        `ranges touching ${path}`,
      ).toEqual([])
    }
    // and it did read the requested ones
    for (const path of Object.keys(chunks).filter((p) => !skipped.includes(p))) {
      expect(ranges.some((range) => overlaps(range, chunks[path] as { start: number; end: number }))).toBe(true)
    }
  })

  it('are not touched even when their metadata points outside the file', async () => {
    const outside = { data_page_offset: 1_000_000, total_compressed_size: 1_000_000, num_values: 99 }
    const { bytes } = plainParquet(columns({ b: { metaOverrides: outside } }), ROWS)
    const { file, ranges } = spyBuffer(bytes)
    const rows = await readParquet(file, { columns: ['a', 's'] })
    expect(rows).toEqual(a.map((value, i) => ({ a: value, s: { x: x[i], y: y[i] } })))
    expect(ranges.every(([, end]) => end <= bytes.length)).toBe(true)
  })
})

describe('the pinned version', () => {
  it('is hyparquet 1.31.5', () => {
    const manifest = new URL('../node_modules/hyparquet/package.json', import.meta.url)
    expect(JSON.parse(readFileSync(manifest, 'utf8')).version).toBe('1.31.5')
  })
})
