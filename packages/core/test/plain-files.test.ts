import { readdirSync } from 'node:fs'
import { parquetMetadata, parquetReadObjects } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'
import { describe, expect, it } from 'vitest'
import { IntegrityError, PmeError } from '../src/errors.js'
import { readParquet } from '../src/read/read-parquet.js'
import { dataPath, HAS_TEST_DATA, readDataFile, skipWithoutData, TEST_DATA_DIR } from './helpers/test-data.js'

/*
 * Every plain .parquet file of parquet-testing reads through readParquet with no options, and gives
 * the rows hyparquet gives when it reads the original file itself (no decryption, no view in between).
 */

/**
 * Files that cannot be read, and why. Each must still fail with a typed PmeError, and hyparquet alone
 * must fail on it too: when it stops failing there, move the file to the readable ones.
 */
const EXPECTED_FAILURES: readonly (readonly [name: string, reason: string])[] = [
  ['nation.dict-malformed.parquet', 'deliberately malformed: its dictionary page runs past its column chunk'],
]
/**
 * Valid files hyparquet alone cannot read: Spark 3.5.5 wrote an empty V2 data page whose values
 * hyparquet-compressors' snappy refuses (parquet-testing README, arrow-rs#7388). pme decompresses
 * nothing for an uncompressed size of 0, as Arrow does, and reads the row pyarrow reads.
 */
const HYPARQUET_FAILS = [['datapage_v2_empty_datapage.snappy.parquet', [{ value: null }]]] as const
/**
 * Files whose page CRC does not match (parquet-testing README: written to test checksum checks).
 * pme refuses them (fail closed: re-encrypting would give a corrupt page a valid CRC and a GCM tag);
 * hyparquet, which does not check CRCs, reads them.
 */
const CORRUPT_CRC = ['datapage_v1-corrupt-checksum.parquet', 'rle-dict-uncompressed-corrupt-checksum.parquet']
const failing = new Set([
  ...EXPECTED_FAILURES.map(([name]) => name),
  ...CORRUPT_CRC,
  ...HYPARQUET_FAILS.map(([name]) => name),
])

const plainFiles = HAS_TEST_DATA
  ? readdirSync(TEST_DATA_DIR)
      .filter((name) => name.endsWith('.parquet'))
      .sort()
  : []
const readable = plainFiles.filter((name) => !failing.has(name))

async function hyparquetRows(name: string): Promise<unknown[]> {
  const bytes = readDataFile(name)
  const buffer = bytes.buffer as ArrayBuffer
  return parquetReadObjects({ file: buffer, metadata: parquetMetadata(buffer), compressors })
}

describe.skipIf(skipWithoutData('plain parquet-testing files'))('plain parquet-testing files', () => {
  it('finds the plain files, including every expected failure', () => {
    expect(plainFiles.length).toBeGreaterThan(40)
    for (const name of failing) expect(plainFiles).toContain(name)
  })

  it.each(readable)('%s reads as hyparquet reads it', async (name) => {
    const rows = await readParquet(dataPath(name))
    expect(rows).toEqual(await hyparquetRows(name))
  })

  it.each(HYPARQUET_FAILS)('%s reads as pyarrow reads it, where hyparquet alone fails', async (name, rows) => {
    expect(await readParquet(dataPath(name))).toEqual(rows)
    await expect(hyparquetRows(name)).rejects.toThrow()
  })

  it.each(CORRUPT_CRC)('%s is refused for its page CRC, which hyparquet does not check', async (name) => {
    const error = await readParquet(dataPath(name)).then(
      () => undefined,
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(IntegrityError)
    expect((error as IntegrityError).message).toMatch(/CRC/)
    expect((await hyparquetRows(name)).length).toBeGreaterThan(0)
  })

  it.each(EXPECTED_FAILURES)('%s fails with a PmeError: %s', async (name) => {
    const error = await readParquet(dataPath(name)).then(
      () => undefined,
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(PmeError)
    expect((error as PmeError).location.file).toBe(dataPath(name))
    await expect(hyparquetRows(name)).rejects.toThrow()
  })
})
