import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/*
 * Where the apache/parquet-testing `data/` folder is: $PARQUET_TEST_DATA, else
 * `<repo root>/../shared/parquet-testing/data`. Suites that need it skip (with a note) when it is absent.
 */
const defaultDir = fileURLToPath(new URL('../../../../../shared/parquet-testing/data', import.meta.url))

export const TEST_DATA_DIR: string = process.env.PARQUET_TEST_DATA || defaultDir

/** The folder is taken as present when it holds the C++ encrypted test files. */
export const HAS_TEST_DATA: boolean = existsSync(join(TEST_DATA_DIR, 'uniform_encryption.parquet.encrypted'))

export function dataPath(name: string): string {
  return join(TEST_DATA_DIR, name)
}

/** A private copy of a data file: tests may modify it, the shared file stays untouched. */
export function readDataFile(name: string): Uint8Array {
  return new Uint8Array(readFileSync(dataPath(name)))
}

/** For `describe.skipIf(skipWithoutData('…'))`: true (and says so once per suite) when the data is absent. */
export function skipWithoutData(suite: string): boolean {
  if (!HAS_TEST_DATA) {
    console.warn(`[skip] ${suite}: parquet-testing data not found at ${TEST_DATA_DIR} (set PARQUET_TEST_DATA)`)
  }
  return !HAS_TEST_DATA
}
