import { createDecipheriv } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { fileAad, ModuleType, moduleAad } from '../src/crypto/aad.js'
import { PmeError } from '../src/errors.js'
import { ParquetFile } from '../src/read/parquet-file.js'
import { locateModule } from './helpers/modules.js'
import { FOOTER_KEY, pmeFile } from './helpers/pme-files.js'
import { readDataFile, skipWithoutData } from './helpers/test-data.js'

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replaceAll(' ', ''), 'hex'))

/** pme-reference §3 worked example: uniform_encryption.parquet.encrypted, no AAD prefix. */
const EXAMPLE_FILE_UNIQUE = hex('bd a5 3a 44 42 f8 18 32')
const EXAMPLE_FOOTER_AAD = hex('bd a5 3a 44 42 f8 18 32 00')
const EXAMPLE_DATA_PAGE_HEADER_AAD = hex('bd a5 3a 44 42 f8 18 32 04 00 00 05 00 00 00')

const allTypes = Object.values(ModuleType)
const pageTypes: ModuleType[] = [ModuleType.DataPage, ModuleType.DataPageHeader]

describe('module AAD (Encryption.md §4.4)', () => {
  it('reproduces the worked example: footer AAD', () => {
    expect(moduleAad(fileAad(undefined, EXAMPLE_FILE_UNIQUE), ModuleType.Footer)).toEqual(EXAMPLE_FOOTER_AAD)
  })

  it('reproduces the worked example: data page header AAD of row group 0, column 5, page 0', () => {
    const aad = moduleAad(EXAMPLE_FILE_UNIQUE, ModuleType.DataPageHeader, { rowGroup: 0, column: 5, page: 0 })
    expect(aad).toEqual(EXAMPLE_DATA_PAGE_HEADER_AAD)
  })

  it('is fileAAD alone when there is no prefix, and prefix || aad_file_unique otherwise', () => {
    expect(fileAad(undefined, EXAMPLE_FILE_UNIQUE)).toEqual(EXAMPLE_FILE_UNIQUE)
    const prefix = new TextEncoder().encode('tester')
    expect(fileAad(prefix, EXAMPLE_FILE_UNIQUE)).toEqual(Uint8Array.from([...prefix, ...EXAMPLE_FILE_UNIQUE]))
    const withPrefix = moduleAad(fileAad(prefix, EXAMPLE_FILE_UNIQUE), ModuleType.Footer)
    expect(withPrefix).toEqual(Uint8Array.from([...prefix, ...EXAMPLE_FOOTER_AAD]))
  })

  it('writes ordinals as signed 16-bit little-endian', () => {
    const aad = moduleAad(new Uint8Array(0), ModuleType.DataPage, { rowGroup: 0x0102, column: 0x0304, page: 0x7fff })
    expect(aad).toEqual(Uint8Array.of(2, 0x02, 0x01, 0x04, 0x03, 0xff, 0x7f))
  })

  it('gives the footer only its type byte, whatever ordinals are passed', () => {
    const aad = moduleAad(EXAMPLE_FILE_UNIQUE, ModuleType.Footer, { rowGroup: 1, column: 2, page: 3 })
    expect(aad).toEqual(EXAMPLE_FOOTER_AAD)
  })

  it.each(allTypes.filter((type) => type !== ModuleType.Footer))('type %i carries row group and column', (type) => {
    const aad = moduleAad(EXAMPLE_FILE_UNIQUE, type, { rowGroup: 7, column: 9, page: 11 })
    const suffix = [type, 7, 0, 9, 0, ...(pageTypes.includes(type) ? [11, 0] : [])]
    expect(aad).toEqual(Uint8Array.from([...EXAMPLE_FILE_UNIQUE, ...suffix]))
  })

  it('only data pages (2) and data page headers (4) carry a page ordinal', () => {
    const withPage = allTypes.filter(
      (type) => moduleAad(new Uint8Array(0), type, { rowGroup: 0, column: 0, page: 0 }).length === 7,
    )
    expect(withPage.sort()).toEqual([2, 4])
  })

  it.each([
    ['row group', { rowGroup: 32768, column: 0, page: 0 }],
    ['column', { rowGroup: 0, column: 32768, page: 0 }],
    ['page', { rowGroup: 0, column: 0, page: 32768 }],
    ['negative page', { rowGroup: 0, column: 0, page: -1 }],
    ['missing page', { rowGroup: 0, column: 0 }],
  ])('rejects a %s ordinal outside 0..32767', (_what, ordinals) => {
    expect(() => moduleAad(EXAMPLE_FILE_UNIQUE, ModuleType.DataPage, ordinals)).toThrow(PmeError)
  })

  it('accepts the largest ordinal, 32767', () => {
    const aad = moduleAad(new Uint8Array(0), ModuleType.DataPage, { rowGroup: 32767, column: 32767, page: 32767 })
    expect(aad).toEqual(Uint8Array.of(2, 0xff, 0x7f, 0xff, 0x7f, 0xff, 0x7f))
  })
})

describe.skipIf(skipWithoutData('AAD against uniform_encryption.parquet.encrypted'))(
  'the worked example against the real file',
  () => {
    const file = pmeFile('uniform_encryption')
    const key = FOOTER_KEY

    /** Decrypts a GCM module with node:crypto directly: the library only locates it. */
    function nodeGcmDecrypt(module: Uint8Array, aad: Uint8Array): Buffer {
      const decipher = createDecipheriv('aes-128-gcm', key, module.subarray(4, 16))
      decipher.setAAD(aad)
      decipher.setAuthTag(module.subarray(module.length - 16))
      return Buffer.concat([decipher.update(module.subarray(16, module.length - 16)), decipher.final()])
    }

    it('stores aad_file_unique bd a5 3a 44 42 f8 18 32', async () => {
      const parquet = await ParquetFile.open(readDataFile(file.name), { footerKey: key })
      expect(parquet.encryption?.params.aadFileUnique).toEqual(EXAMPLE_FILE_UNIQUE)
    })

    it.each([
      ['footer', 'double_field', EXAMPLE_FOOTER_AAD],
      ['data page header', 'double_field', EXAMPLE_DATA_PAGE_HEADER_AAD],
    ] as const)('authenticates its %s module with the example AAD', async (kind, column, aad) => {
      const bytes = readDataFile(file.name)
      const span = await locateModule(bytes, { footerKey: key }, column, kind)
      const module = bytes.subarray(span.offset, span.offset + span.size)
      expect(nodeGcmDecrypt(module, aad).length).toBeGreaterThan(0)
      // Any other AAD (here: its last two bytes changed) fails the tag.
      const altered = Uint8Array.from([...aad.subarray(0, -2), 1, 0])
      expect(() => nodeGcmDecrypt(module, altered)).toThrow()
    })
  },
)
