import { readdirSync } from 'node:fs'
import { parquetMetadata, parquetReadObjects } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'
import { describe, expect, it } from 'vitest'
import { IntegrityError } from '../src/errors.js'
import { readParquet } from '../src/read/read-parquet.js'
import { dataPath, HAS_TEST_DATA, readDataFile, skipWithoutData, TEST_DATA_DIR } from './helpers/test-data.js'

/*
 * Every plain .parquet file of parquet-testing reads through readParquet with no options, and gives
 * the rows hyparquet gives when it reads the original file itself (no decryption, no view in between).
 */

/**
 * Valid (or repairable) files hyparquet alone cannot read, and the rows pyarrow reads from them
 * (plain-files-pyarrow.test.ts compares every value):
 * - datapage_v2_empty_datapage: Spark 3.5.5 wrote an empty V2 data page whose values hyparquet-
 *   compressors' snappy refuses (parquet-testing README, arrow-rs#7388); pme decompresses nothing for
 *   an uncompressed size of 0, as Arrow does.
 * - nation.dict-malformed: parquet-mr before 1.2.9 left dictionary page headers out of the chunk size
 *   (PARQUET-816); pme pads such chunks as Arrow does (format/dictionary-header-padding.ts).
 */
const HYPARQUET_FAILS = [
  ['datapage_v2_empty_datapage.snappy.parquet', 1],
  ['nation.dict-malformed.parquet', 25],
] as const
/**
 * Files whose page CRC does not match (parquet-testing README: written to test checksum checks).
 * pme refuses them (fail closed: re-encrypting would give a corrupt page a valid CRC and a GCM tag);
 * hyparquet, which does not check CRCs, reads them.
 */
const CORRUPT_CRC = ['datapage_v1-corrupt-checksum.parquet', 'rle-dict-uncompressed-corrupt-checksum.parquet']
const failing = new Set([...CORRUPT_CRC, ...HYPARQUET_FAILS.map(([name]) => name)])

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
  it('finds the plain files, including every special case', () => {
    expect(plainFiles.length).toBeGreaterThan(40)
    for (const name of failing) expect(plainFiles).toContain(name)
  })

  it.each(readable)('%s reads as hyparquet reads it', async (name) => {
    const rows = await readParquet(dataPath(name))
    expect(rows).toEqual(await hyparquetRows(name))
  })

  it.each(HYPARQUET_FAILS)('%s reads (%i rows, as pyarrow), where hyparquet alone fails', async (name, count) => {
    expect(await readParquet(dataPath(name))).toHaveLength(count)
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
})
