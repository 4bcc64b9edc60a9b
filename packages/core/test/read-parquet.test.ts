import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parquetMetadata, parquetReadObjects } from 'hyparquet'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { concatBytes } from '../src/crypto/aes.js'
import { MalformedFileError, UsageError } from '../src/errors.js'
import { readFileTail } from '../src/format/file-tail.js'
import { plaintextFileMetaData, plaintextFooterBytes } from '../src/format/plaintext-footer.js'
import { bufferSource } from '../src/io/byte-source.js'
import { readParquet, readParquetRowGroups } from '../src/read/read-parquet.js'
import { type FileMetaData, FileMetaDataDef } from '../src/thrift/parquet-structs.js'
import { decodeStruct } from '../src/thrift/struct-codec.js'
import { writeParquet } from '../src/write/parquet-writer.js'
import { expectPmeError } from './helpers/errors.js'
import { int32Plain, type PlainColumn, plainParquet } from './helpers/plain-parquet.js'

/*
 * readParquet on small hand-built plaintext files: sources, projection, and the page layouts of older
 * writers. Needs no test data.
 */

const ROWS = 6
const a = Array.from({ length: ROWS }, (_, i) => i * 7)
const x = Array.from({ length: ROWS }, (_, i) => 1000 - i)
const y = Array.from({ length: ROWS }, (_, i) => i * i)

const spec: PlainColumn[] = [
  { path: ['a'], type: 'INT32', values: int32Plain(a) },
  { path: ['s', 'x'], type: 'INT32', values: int32Plain(x) },
  { path: ['s', 'y'], type: 'INT32', values: int32Plain(y) },
]
const allRows = a.map((value, i) => ({ a: value, s: { x: x[i], y: y[i] } }))

describe('sources', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pme-read-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('reads a path, a Uint8Array and an AsyncBuffer alike', async () => {
    const { bytes } = plainParquet(spec, ROWS)
    const path = join(dir, 'plain.parquet')
    await writeFile(path, bytes)
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
    const asyncBuffer = {
      byteLength: buffer.byteLength,
      slice: async (start: number, end?: number) => buffer.slice(start, end),
    }
    for (const source of [path, bytes, asyncBuffer]) expect(await readParquet(source)).toEqual(allRows)
  })

  it('yields one array of rows per row group', async () => {
    const groups: unknown[][] = []
    for await (const group of readParquetRowGroups(plainParquet(spec, ROWS).bytes)) groups.push(group)
    expect(groups).toEqual([allRows])
  })
})

describe('projection', () => {
  const { bytes } = plainParquet(spec, ROWS)

  it.each([
    [['a'], ['a']],
    [['s'], ['s']],
    [
      ['s', 'a'],
      ['s', 'a'],
    ],
  ])('columns %j returns %j', async (columns, keys) => {
    const rows = await readParquet(bytes, { columns })
    expect(rows).toEqual(allRows.map((row) => Object.fromEntries(keys.map((key) => [key, row[key as 'a' | 's']]))))
  })

  it('reads only the selected leaves of a struct', async () => {
    expect(await readParquet(bytes, { columns: ['s.x'] })).toEqual(x.map((value) => ({ s: { x: value } })))
    expect(await readParquet(bytes, { columns: ['s.y', 'a'] })).toEqual(
      a.map((value, i) => ({ a: value, s: { y: y[i] } })),
    )
  })

  it.each([['nope'], ['s.z'], ['a.x']])('rejects the unknown column %s with UsageError', async (column) => {
    const error = await readParquet(bytes, { columns: [column], name: 'synthetic.parquet' }).catch((e: unknown) => e)
    expectPmeError(error, UsageError, 'PME_USAGE', { file: 'synthetic.parquet' })
    expect(error.message).toContain(column)
  })
})

describe('layouts of other writers', () => {
  const hyparquetRows = (bytes: Uint8Array) => {
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
    return parquetReadObjects({ file: buffer, metadata: parquetMetadata(buffer) })
  }

  it.each(['offset', 'unset-offset'] as const)(
    'reads a dictionary page with dictionary_page_offset %s',
    async (dictionary) => {
      const { bytes } = plainParquet([{ ...(spec[0] as PlainColumn), dictionary }], ROWS)
      const expected = a.map((value) => ({ a: value }))
      expect(await hyparquetRows(bytes)).toEqual(expected) // the file itself is sound
      expect(await readParquet(bytes)).toEqual(expected)
    },
  )

  it('fails with MalformedFileError when a column has fewer values than the row group has rows', async () => {
    // The footer claims one row more than the pages hold.
    const { bytes } = plainParquet(spec, ROWS)
    const { footer } = await readFileTail(bufferSource(bytes))
    const metadata = decodeStruct<FileMetaData>(FileMetaDataDef, footer).value
    const rowGroups = metadata.row_groups.map((rowGroup) => ({ ...rowGroup, num_rows: ROWS + 1 }))
    const data = bytes.subarray(0, bytes.length - footer.length - 8)
    const short = concatBytes([data, plaintextFooterBytes(plaintextFileMetaData(metadata, rowGroups))])
    const error = await readParquet(short, { name: 'short.parquet' }).catch((e: unknown) => e)
    expectPmeError(error, MalformedFileError, 'PME_MALFORMED', { file: 'short.parquet', rowGroup: 0 })
    expect(error.message).toContain(`the row group has ${ROWS + 1} rows`)
  })

  it('returns no rows for an empty row group, without reading its chunks', async () => {
    // Some writers leave an empty chunk's data_page_offset at 0 (parquet-testing
    // column_chunk_key_value_metadata.parquet): that would point at the magic.
    const empty = spec.map((column) => ({
      ...column,
      values: new Uint8Array(0),
      metaOverrides: { data_page_offset: 0 },
    }))
    expect(await readParquet(plainParquet(empty, 0).bytes)).toEqual([])
  })
})

describe('limit', () => {
  it('reads the first rows across row groups and stops', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pme-limit-'))
    try {
      const path = join(dir, 'groups.parquet')
      await writeParquet(path, { rows: Array.from({ length: 30 }, (_, i) => ({ n: i })) }, { rowGroupSize: 10 })
      const groups: unknown[][] = []
      for await (const group of readParquetRowGroups(path, { limit: 15 })) groups.push(group)
      expect(groups.map((group) => group.length)).toEqual([10, 5])
      expect(await readParquet(path, { limit: 15 })).toEqual(Array.from({ length: 15 }, (_, i) => ({ n: i })))
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
