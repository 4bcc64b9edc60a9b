import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parquetMetadata, parquetReadObjects, readOffsetIndex } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NotEncryptedError } from '../src/errors.js'
import { readParquet } from '../src/read/read-parquet.js'
import { type FileMetaData, FileMetaDataDef } from '../src/thrift/parquet-structs.js'
import { decodeStruct } from '../src/thrift/struct-codec.js'
import { decryptFile } from '../src/transform/decrypt-file.js'
import { expectedRows } from './helpers/generator.js'
import { COLUMNS, KEY_STYLES, PME_FILES, pmeFile, workingOptions } from './helpers/pme-files.js'
import { dataPath, readDataFile, skipWithoutData } from './helpers/test-data.js'

/*
 * The six C++ encrypted files of parquet-testing hold the generator's 50 rows (pme-reference §8);
 * every column is compared with values computed from the generator, not with an earlier read.
 */

const cases = PME_FILES.flatMap((file) => KEY_STYLES.map((style) => [file.name, style, file] as const))

describe.skipIf(skipWithoutData('reading the parquet-testing encrypted files'))(
  'parquet-testing encrypted files',
  () => {
    describe('readParquet', () => {
      it.each(cases)('%s with %s keys: 50 rows, all 8 columns as generated', async (name, style, file) => {
        const rows = await readParquet(dataPath(name), workingOptions(file, style))
        expect(rows).toHaveLength(50)
        expect(Object.keys(rows[0] ?? {})).toEqual([...COLUMNS])
        expect(rows).toEqual(expectedRows())
      })

      it.each(PME_FILES.map((file) => [file.name, file] as const))('%s from a Uint8Array', async (name, file) => {
        expect(await readParquet(readDataFile(name), workingOptions(file))).toEqual(expectedRows())
      })

      it.each([
        { columns: ['double_field'] },
        { columns: ['int96_field', 'boolean_field'] },
        { columns: ['int64_field', 'ba_field', 'flba_field'] },
      ])('projects $columns', async ({ columns }) => {
        const file = pmeFile('encrypt_columns_and_footer')
        const rows = await readParquet(dataPath(file.name), { ...workingOptions(file), columns })
        expect(rows).toEqual(expectedRows(columns))
      })

      it('gives INT96 as the nanoseconds the words spell, with a custom parser', async () => {
        const file = pmeFile('uniform_encryption')
        const rows = await readParquet(dataPath(file.name), {
          ...workingOptions(file),
          columns: ['int96_field'],
          parsers: { timestampFromNanoseconds: (nanos: bigint) => nanos as unknown as Date },
        })
        // words [i, i+1, i+2]: (high32 - 2440588) days + low64 nanoseconds
        const expected = Array.from({ length: 50 }, (_, i) => {
          const low = BigInt(i) + (BigInt(i + 1) << 32n)
          return { int96_field: (BigInt(i + 2) - 2440588n) * 86_400_000_000_000n + low }
        })
        expect(rows).toEqual(expected)
      })
    })

    describe('decryptFile', () => {
      let dir: string
      beforeAll(async () => {
        dir = await mkdtemp(join(tmpdir(), 'pme-decrypt-'))
      })
      afterAll(async () => {
        await rm(dir, { recursive: true, force: true })
      })

      it.each(cases)('%s with %s keys: a plain file with the generated rows', async (name, style, file) => {
        const output = join(dir, `${style}-${name}.parquet`)
        await decryptFile(dataPath(name), output, workingOptions(file, style))
        const bytes = new Uint8Array(await readFile(output))
        expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('PAR1')
        expect(new TextDecoder().decode(bytes.subarray(-4))).toBe('PAR1')

        // No keys needed any more, through the library and through hyparquet alone.
        expect(await readParquet(output)).toEqual(expectedRows())
        const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
        const metadata = parquetMetadata(buffer)
        expect(await parquetReadObjects({ file: buffer, metadata, compressors })).toEqual(expectedRows())

        for (const chunk of metadata.row_groups.flatMap((group) => group.columns)) {
          expect(chunk.crypto_metadata).toBeUndefined()
          expect(chunk.encrypted_column_metadata).toBeUndefined()
          // The offset index was decrypted and moved with its pages.
          const start = Number(chunk.offset_index_offset)
          const index = readOffsetIndex({ view: new DataView(buffer, start, chunk.offset_index_length), offset: 0 })
          expect(index.page_locations[0]?.offset).toBe(chunk.meta_data?.data_page_offset)
        }
        // hyparquet does not parse FileMetaData fields 8 and 9: decode the footer to see they are gone.
        const footerLength = new DataView(buffer).getUint32(bytes.length - 8, true)
        const footer = decodeStruct<FileMetaData>(FileMetaDataDef, bytes.subarray(-8 - footerLength, -8)).value
        expect(footer.encryption_algorithm).toBeUndefined()
        expect(footer.footer_signing_key_metadata).toBeUndefined()
      })

      it('refuses a plaintext file with NotEncryptedError and writes nothing', async () => {
        const output = join(dir, 'not-encrypted.parquet')
        await expect(decryptFile(dataPath('alltypes_plain.parquet'), output)).rejects.toThrow(NotEncryptedError)
        await expect(readFile(output)).rejects.toThrow(/ENOENT/)
      })
    })
  },
)
