import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ErrorLocation, IntegrityError, PmeError } from '../src/errors.js'
import { readParquet } from '../src/read/read-parquet.js'
import { decryptFile } from '../src/transform/decrypt-file.js'
import { expectPmeError, expectReadFails, readUntilError } from './helpers/errors.js'
import { expectedRows } from './helpers/generator.js'
import {
  flipByte,
  locateModule,
  MODULE_REGIONS,
  type ModuleKind,
  type ModuleRegion,
  regionOffset,
} from './helpers/modules.js'
import { type PmeTestFile, pmeFile, workingOptions } from './helpers/pme-files.js'
import { readDataFile, skipWithoutData } from './helpers/test-data.js'

/*
 * One flipped byte in each kind of encrypted module of the real files must fail authentication, at
 * the right place, before any row (or output file) comes out. Copies are changed in memory only.
 */

const COLUMN = 'double_field' // under column key kc1
const GCM_FILE = pmeFile('encrypt_columns_and_footer')
const PLAINTEXT_FOOTER_FILE = pmeFile('encrypt_columns_plaintext_footer')
const CTR_FILE = pmeFile('encrypt_columns_and_footer_ctr')

interface TamperCase {
  readonly kind: ModuleKind
  readonly file: PmeTestFile
  /** readParquet does not read the page index: only decryptFile meets those modules. */
  readonly readsIt: boolean
  readonly checkFooterSignature?: false
}

const cases: TamperCase[] = [
  { kind: 'footer', file: GCM_FILE, readsIt: true },
  // encrypted_column_metadata sits in the FileMetaData: in a plaintext footer it can be reached
  // without breaking the footer module, once the signature check is off.
  { kind: 'column metadata', file: PLAINTEXT_FOOTER_FILE, readsIt: true, checkFooterSignature: false },
  { kind: 'dictionary page header', file: GCM_FILE, readsIt: true },
  { kind: 'dictionary page', file: GCM_FILE, readsIt: true },
  { kind: 'data page header', file: GCM_FILE, readsIt: true },
  { kind: 'data page', file: GCM_FILE, readsIt: true },
  { kind: 'column index', file: GCM_FILE, readsIt: false },
  { kind: 'offset index', file: GCM_FILE, readsIt: false },
  // Under AES_GCM_CTR_V1 page headers stay GCM, so they are still authenticated.
  { kind: 'dictionary page header', file: CTR_FILE, readsIt: true },
  { kind: 'data page header', file: CTR_FILE, readsIt: true },
]

/** Where the error must say it failed: the module, its column and row group, and the page of data pages. */
function expectedLocation(test: TamperCase, file: string): ErrorLocation {
  if (test.kind === 'footer') return { file, module: 'footer' }
  const page = test.kind === 'data page' || test.kind === 'data page header' ? { page: 0 } : {}
  return { file, rowGroup: 0, column: COLUMN, module: test.kind, ...page }
}

function optionsFor(test: TamperCase, name: string) {
  return {
    ...workingOptions(test.file),
    name,
    ...(test.checkFooterSignature === false ? { checkFooterSignature: false } : {}),
  }
}

async function tampered(test: TamperCase, region: ModuleRegion): Promise<{ bytes: Uint8Array; name: string }> {
  const original = readDataFile(test.file.name)
  const span = await locateModule(original, workingOptions(test.file), COLUMN, test.kind)
  const name = `${test.file.name} with a flipped ${test.kind} ${region} byte`
  return { bytes: flipByte(original, regionOffset(span, region)), name }
}

const label = (test: TamperCase) => `${test.kind} of ${test.file.name}`
const readCases = cases
  .filter((test) => test.readsIt)
  .flatMap((test) => MODULE_REGIONS.map((region) => [label(test), region, test] as const))
const decryptCases = cases.flatMap((test) => MODULE_REGIONS.map((region) => [label(test), region, test] as const))

describe.skipIf(skipWithoutData('tampering with the parquet-testing files'))('tampered modules', () => {
  it('the untouched copies read, so every failure below comes from the flipped byte', async () => {
    for (const file of [GCM_FILE, PLAINTEXT_FOOTER_FILE, CTR_FILE]) {
      const { rows, error } = await readUntilError(readDataFile(file.name), workingOptions(file))
      expect(error).toBeUndefined()
      expect(rows).toBe(50)
    }
  })

  it.each(readCases)('readParquet: %s, %s → IntegrityError, no rows', async (_label, region, test) => {
    const { bytes, name } = await tampered(test, region)
    const error = await expectReadFails(bytes, optionsFor(test, name))
    expectPmeError(error, IntegrityError, 'PME_INTEGRITY', expectedLocation(test, name))
  })

  describe('decryptFile', () => {
    let dir: string
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'pme-tamper-'))
    })
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true })
    })

    it.each(decryptCases)('%s, %s → IntegrityError, no output', async (_label, region, test) => {
      const { bytes, name } = await tampered(test, region)
      const output = join(dir, 'out.parquet')
      const error = await decryptFile(bytes, output, optionsFor(test, name)).then(
        () => undefined,
        (caught: unknown) => caught,
      )
      expectPmeError(error, IntegrityError, 'PME_INTEGRITY', expectedLocation(test, name))
      expect(await readdir(dir)).toEqual([]) // neither the output nor its temp file
    })
  })

  describe('CTR page bodies', () => {
    // The spec leaves CTR pages unauthenticated: a flipped byte is no integrity failure. The read
    // either fails to decode or returns changed data; it must not claim a tag mismatch.
    it.each(['dictionary page', 'data page'] as const)(
      'a flipped %s ciphertext byte is not an IntegrityError',
      async (kind) => {
        const test: TamperCase = { kind, file: CTR_FILE, readsIt: true }
        const { bytes, name } = await tampered(test, 'ciphertext')
        const outcome = await readParquet(bytes, optionsFor(test, name)).then(
          (rows) => ({ rows }),
          (error: unknown) => ({ error }),
        )
        if ('rows' in outcome) {
          expect(outcome.rows).not.toEqual(expectedRows())
        } else {
          expect(outcome.error).toBeInstanceOf(PmeError)
          expect(outcome.error).not.toBeInstanceOf(IntegrityError)
        }
      },
    )
  })
})
