import { describe, expect, it } from 'vitest'
import { AadPrefixError, IntegrityError, InvalidKeyError, MissingKeyError, UsageError } from '../src/errors.js'
import { readParquet } from '../src/read/read-parquet.js'
import { expectNoKeyBytes, expectPmeError, expectReadFails } from './helpers/errors.js'
import { expectedRows } from './helpers/generator.js'
import {
  AAD_PREFIX,
  ALL_KEYS,
  COLUMNS,
  DOUBLE_KEY,
  FLOAT_KEY,
  FOOTER_KEY,
  PME_FILES,
  pmeFile,
  retrieverKeys,
  workingOptions,
} from './helpers/pme-files.js'
import { dataPath, readDataFile, skipWithoutData } from './helpers/test-data.js'

/*
 * Reads that must fail: wrong, missing and malformed keys, a tampered plaintext footer. Each asserts
 * the error class, its code, where it says it failed, that no rows came back and that no key leaks.
 */

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text)
const WRONG_KEY = ascii('9876543210987654')
const KEYS_AND_WRONG = [...ALL_KEYS, WRONG_KEY]

const base64 = (key: Uint8Array): string => Buffer.from(key).toString('base64')

describe.skipIf(skipWithoutData('negative reads of the parquet-testing files'))('failing reads', () => {
  describe('wrong footer key', () => {
    it.each(PME_FILES.map((file) => [file.name, file] as const))(
      '%s: IntegrityError on the footer',
      async (name, file) => {
        const options = { ...workingOptions(file), footerKey: WRONG_KEY }
        const error = await expectReadFails(dataPath(name), options)
        const module = file.footer === 'encrypted' ? 'footer' : 'footer signature'
        expectPmeError(error, IntegrityError, 'PME_INTEGRITY', { file: dataPath(name), module })
        expectNoKeyBytes(error, KEYS_AND_WRONG)
      },
    )

    it('through the key retriever too', async () => {
      const file = pmeFile('uniform_encryption')
      const keyList = `kf: ${base64(WRONG_KEY)}`
      const error = await expectReadFails(dataPath(file.name), retrieverKeys(keyList))
      expectPmeError(error, IntegrityError, 'PME_INTEGRITY', { file: dataPath(file.name), module: 'footer' })
      expectNoKeyBytes(error, KEYS_AND_WRONG)
    })
  })

  describe('wrong column key', () => {
    const cases = PME_FILES.flatMap((file) => file.columnKeys.map((column) => [file.name, column, file] as const))

    it.each(cases)('%s, %s: IntegrityError on that column', async (name, column, file) => {
      const good = workingOptions(file)
      const options = { ...good, columnKeys: { ...good.columnKeys, [column]: WRONG_KEY } }
      const error = await expectReadFails(dataPath(name), options)
      expectPmeError(error, IntegrityError, 'PME_INTEGRITY', {
        file: dataPath(name),
        rowGroup: 0,
        column,
        module: 'column metadata',
      })
      expectNoKeyBytes(error, KEYS_AND_WRONG)
    })

    it.each(cases)(
      '%s, %s: a projection without the column succeeds, with a wrong key or none',
      async (name, column, file) => {
        const good = workingOptions(file)
        const others = COLUMNS.filter((other) => other !== column)
        const withoutKey = Object.fromEntries(Object.entries(good.columnKeys ?? {}).filter(([path]) => path !== column))
        for (const columnKeys of [withoutKey, { ...withoutKey, [column]: WRONG_KEY }]) {
          const rows = await readParquet(dataPath(name), { ...good, columnKeys, columns: others })
          expect(rows).toEqual(expectedRows(others))
        }
      },
    )

    it('a key retriever that does not know "kc1" gives MissingKeyError naming the column and key id', async () => {
      const file = pmeFile('encrypt_columns_and_footer')
      const keyList = `kf: ${base64(FOOTER_KEY)}, kc2: ${base64(FLOAT_KEY)}`
      const error = await expectReadFails(dataPath(file.name), retrieverKeys(keyList))
      expectPmeError(error, MissingKeyError, 'PME_MISSING_KEY', { file: dataPath(file.name), column: 'double_field' })
      expect(error.message).toContain('"kc1"')
    })

    it('the wrong key of the right length is told apart from a key of the wrong length', async () => {
      const file = pmeFile('encrypt_columns_and_footer')
      const short = DOUBLE_KEY.subarray(0, 15)
      const options = { ...workingOptions(file), columnKeys: { float_field: FLOAT_KEY, double_field: short } }
      const error = await expectReadFails(dataPath(file.name), options)
      expectPmeError(error, InvalidKeyError, 'PME_INVALID_KEY', { file: dataPath(file.name), column: 'double_field' })
      expectNoKeyBytes(error, [...ALL_KEYS, short])
    })
  })

  describe('footer keys of the wrong length', () => {
    it.each([0, 15, 17, 33])('a %i-byte footer key gives InvalidKeyError', async (length) => {
      const file = pmeFile('encrypt_columns_and_footer')
      const key = new Uint8Array(length).fill(0x41)
      const error = await expectReadFails(dataPath(file.name), { ...workingOptions(file), footerKey: key })
      expectPmeError(error, InvalidKeyError, 'PME_INVALID_KEY', { file: dataPath(file.name) })
      expect(error.message).toContain(`got ${length}`)
    })
  })

  describe('plaintext footer signature', () => {
    const file = pmeFile('encrypt_columns_plaintext_footer')
    const name = `tampered ${file.name}`

    /** The file with one letter of created_by changed: the footer still parses, its signature does not verify. */
    function tamperedFooter(): Uint8Array {
      const bytes = readDataFile(file.name)
      const at = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).lastIndexOf('parquet-cpp-arrow')
      expect(at).toBeGreaterThan(bytes.length - 1300)
      bytes[at] = 'P'.charCodeAt(0)
      return bytes
    }

    it('detects a changed byte in the plaintext FileMetaData with IntegrityError', async () => {
      const error = await expectReadFails(tamperedFooter(), { ...workingOptions(file), name })
      expectPmeError(error, IntegrityError, 'PME_INTEGRITY', { file: name, module: 'footer signature' })
    })

    it('reads the same bytes with checkFooterSignature: false', async () => {
      const rows = await readParquet(tamperedFooter(), { ...workingOptions(file), checkFooterSignature: false })
      expect(rows).toEqual(expectedRows())
    })

    it('needs the footer key to check the signature, and says so', async () => {
      const { footerKey: _, ...columnKeysOnly } = workingOptions(file)
      const error = await expectReadFails(dataPath(file.name), columnKeysOnly)
      expectPmeError(error, MissingKeyError, 'PME_MISSING_KEY', { file: dataPath(file.name) })
      expect(error.message).toContain('signature')
    })
  })

  describe('AAD prefix', () => {
    it('rejects a supplied prefix that differs from the stored one', async () => {
      const file = pmeFile('encrypt_columns_and_footer_aad')
      const error = await expectReadFails(dataPath(file.name), { ...workingOptions(file), aadPrefix: 'other' })
      expectPmeError(error, AadPrefixError, 'PME_AAD_PREFIX', { file: dataPath(file.name) })
    })

    it('rejects a wrong prefix for a file that does not store it: the footer fails to authenticate', async () => {
      const file = pmeFile('encrypt_columns_and_footer_disable_aad_storage')
      const error = await expectReadFails(dataPath(file.name), { ...workingOptions(file), aadPrefix: 'tester!' })
      expectPmeError(error, IntegrityError, 'PME_INTEGRITY', { file: dataPath(file.name), module: 'footer' })
    })

    it('hands the stored prefix to the verifier, whose error stops the read', async () => {
      const file = pmeFile('encrypt_columns_and_footer_aad')
      const seen: string[] = []
      const verifier = (prefix: Uint8Array) => {
        seen.push(new TextDecoder().decode(prefix))
        throw new AadPrefixError('prefix not allowed here')
      }
      const error = await expectReadFails(dataPath(file.name), { ...workingOptions(file), aadPrefixVerifier: verifier })
      expectPmeError(error, AadPrefixError, 'PME_AAD_PREFIX')
      expect(seen).toEqual([AAD_PREFIX])
    })
  })

  describe('usage', () => {
    it('rejects an unknown column with UsageError listing the columns', async () => {
      const file = pmeFile('encrypt_columns_and_footer')
      const error = await expectReadFails(dataPath(file.name), { ...workingOptions(file), columns: ['nope'] })
      expectPmeError(error, UsageError, 'PME_USAGE', { file: dataPath(file.name) })
      for (const column of COLUMNS) expect(error.message).toContain(column)
    })
  })
})
