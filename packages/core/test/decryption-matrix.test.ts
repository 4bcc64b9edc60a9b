import { describe, expect, it } from 'vitest'
import { AadPrefixError, MissingKeyError } from '../src/errors.js'
import type { ReadOptions } from '../src/read/read-parquet.js'
import { readParquet } from '../src/read/read-parquet.js'
import { expectPmeError, expectReadFails } from './helpers/errors.js'
import { expectedRows } from './helpers/generator.js'
import {
  AAD_PREFIX,
  explicitKeys,
  PME_FILES,
  type PmeTestFile,
  plaintextColumns,
  retrieverKeys,
} from './helpers/pme-files.js'
import { dataPath, skipWithoutData } from './helpers/test-data.js'

/*
 * The decryption configurations of arrow's read_configurations_test (pme-reference §8), over the six
 * C++ files. Which reads work follows from the spec's AAD prefix rules (§3), not from this library.
 */

interface Config {
  readonly id: string
  readonly options: ReadOptions
  /** Whether the configuration reads the whole file. */
  readonly works: (file: PmeTestFile) => boolean
}

const configs: Config[] = [
  { id: '#1 key retriever', options: retrieverKeys(), works: (file) => file.aadPrefix !== 'supplied' },
  {
    id: '#2 key retriever + aadPrefix "tester"',
    options: { ...retrieverKeys(), aadPrefix: AAD_PREFIX },
    works: (file) => file.aadPrefix !== 'none',
  },
  { id: '#3 explicit keys', options: explicitKeys(), works: (file) => file.aadPrefix !== 'supplied' },
]

const cases = configs.flatMap((config) => PME_FILES.map((file) => [config.id, file.name, config, file] as const))

describe.skipIf(skipWithoutData('the read_configurations_test matrix'))('decryption matrix', () => {
  it.each(cases)('%s on %s', async (_id, name, config, file) => {
    if (config.works(file)) {
      expect(await readParquet(dataPath(name), config.options)).toEqual(expectedRows())
      return
    }
    // Every failure here is about the AAD prefix: missing for a file that needs one, or supplied to
    // a file written without one.
    const error = await expectReadFails(dataPath(name), config.options)
    expectPmeError(error, AadPrefixError, 'PME_AAD_PREFIX', { file: dataPath(name) })
  })

  describe('#4 no decryption properties', () => {
    const encryptedFooter = PME_FILES.filter((file) => file.footer === 'encrypted')
    const plaintextFooter = PME_FILES.filter((file) => file.footer === 'plaintext')

    it.each(encryptedFooter.map((file) => [file.name, file] as const))(
      '%s: fails for want of a key',
      async (name, file) => {
        const error = await expectReadFails(dataPath(name), {})
        // The AAD prefix is resolved before any key is looked up, so a file that needs one says so first.
        if (file.aadPrefix === 'supplied') {
          expectPmeError(error, AadPrefixError, 'PME_AAD_PREFIX', { file: dataPath(name) })
        } else {
          expectPmeError(error, MissingKeyError, 'PME_MISSING_KEY', { file: dataPath(name) })
          expect(error.message).toContain('"kf"')
        }
      },
    )

    it.each(plaintextFooter.map((file) => [file.name, file] as const))(
      '%s: its plaintext columns read without keys',
      async (name, file) => {
        const columns = plaintextColumns(file)
        expect(columns).toHaveLength(6)
        expect(await readParquet(dataPath(name), { columns })).toEqual(expectedRows(columns))
      },
    )

    it.each(plaintextFooter.flatMap((file) => file.columnKeys.map((column) => [file.name, column] as const)))(
      '%s: asking for encrypted %s gives MissingKeyError',
      async (name, column) => {
        const error = await expectReadFails(dataPath(name), { columns: ['boolean_field', column] })
        expectPmeError(error, MissingKeyError, 'PME_MISSING_KEY', { file: dataPath(name), column })
      },
    )

    it.each(plaintextFooter.map((file) => [file.name, file] as const))(
      '%s: reading all columns gives MissingKeyError for an encrypted one',
      async (name, file) => {
        const error = await expectReadFails(dataPath(name), {})
        expectPmeError(error, MissingKeyError, 'PME_MISSING_KEY', { file: dataPath(name) })
        expect(file.columnKeys).toContain(error.location.column)
      },
    )
  })
})
