import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ParquetFile } from '../src/read/parquet-file.js'
import { readColumnGroups, readColumns } from '../src/read/read-columns.js'
import { readParquet, readParquetRowGroups } from '../src/read/read-parquet.js'
import { decryptFile } from '../src/transform/decrypt-file.js'
import { writeParquet } from '../src/write/parquet-writer.js'

/*
 * A row group of 1,048,576 rows (pyarrow's default maximum) through every read API: readParquet once
 * threw RangeError (call stack) on any group above about 130,000 rows. One file, written once.
 */
const ROWS = 1_048_576
const footerKey = new TextEncoder().encode('0123456789012345')
const keyMetadata = new TextEncoder().encode('kf')
let dir: string
let path: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pme-large-'))
  path = join(dir, 'large.parquet')
  const ids = new BigInt64Array(ROWS)
  for (let i = 0; i < ROWS; i++) ids[i] = BigInt(i)
  const halves = Float64Array.from({ length: ROWS }, (_, i) => i / 2)
  await writeParquet(
    path,
    {
      columns: [
        { name: 'id', data: ids, type: 'INT64' },
        { name: 'half', data: halves, type: 'DOUBLE' },
      ],
    },
    { rowGroupSize: ROWS, encryption: { footerKey: { key: footerKey, keyMetadata } } },
  )
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('a row group of 1,048,576 rows', () => {
  it('is one row group in the file', async () => {
    const file = await ParquetFile.open(path, { footerKey })
    expect(file.metadata.row_groups.map((group) => group.num_rows)).toEqual([ROWS])
  })

  it('readParquet returns every row', async () => {
    const rows = await readParquet(path, { footerKey })
    expect(rows.length).toBe(ROWS)
    expect(rows[0]).toEqual({ id: 0n, half: 0 })
    expect(rows[ROWS - 1]).toEqual({ id: BigInt(ROWS - 1), half: (ROWS - 1) / 2 })
  })

  it('readParquetRowGroups yields the group whole, with a projection', async () => {
    const groups: number[] = []
    let last: unknown
    for await (const group of readParquetRowGroups(path, { footerKey, columns: ['id'] })) {
      groups.push(group.length)
      last = group[group.length - 1]
    }
    expect(groups).toEqual([ROWS])
    expect(last).toEqual({ id: BigInt(ROWS - 1) })
  })

  it('readColumns returns every value, readColumnGroups the group whole', async () => {
    const { numRows, columns } = await readColumns(path, { footerKey })
    expect(numRows).toBe(ROWS)
    // Optional columns (the writer's default): arrays, not typed arrays, since they may hold null.
    expect(columns.id?.length).toBe(ROWS)
    expect(columns.id?.[ROWS - 1]).toBe(BigInt(ROWS - 1))
    expect(columns.half?.[ROWS - 1]).toBe((ROWS - 1) / 2)
    const groups: number[] = []
    for await (const group of readColumnGroups(path, { footerKey, columns: ['half'], limit: ROWS - 1 })) {
      groups.push(group.numRows, group.columns.half?.length ?? -1)
    }
    expect(groups).toEqual([ROWS - 1, ROWS - 1])
  })

  it('a limit reads only the first rows', async () => {
    const rows = await readParquet(path, { footerKey, columns: ['id'], limit: 10 })
    expect(rows).toEqual(Array.from({ length: 10 }, (_, i) => ({ id: BigInt(i) })))
  })

  it('decryptFile rewrites it, and the plaintext reads the same rows', async () => {
    const plain = join(dir, 'plain.parquet')
    await decryptFile(path, plain, { footerKey })
    const rows = await readParquet(plain)
    expect(rows.length).toBe(ROWS)
    expect(rows[ROWS - 1]).toEqual({ id: BigInt(ROWS - 1), half: (ROWS - 1) / 2 })
  })
})
