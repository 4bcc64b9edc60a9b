import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decryptModule, encryptModule, moduleSize } from '../src/crypto/module-cipher.js'
import { IntegrityError, MalformedFileError } from '../src/errors.js'
import {
  ColumnMetaDataDef,
  FileCryptoMetaDataDef,
  FileMetaDataDef,
  OffsetIndexDef,
  type PageHeader,
  PageHeaderDef,
} from '../src/thrift/parquet-structs.js'
import { decodeStruct, encodeStruct, type StructDef } from '../src/thrift/struct-codec.js'

/*
 * Property-based tests (fast-check, fixed seed so a failure replays) of the two parsers every byte of
 * a file goes through first: the Thrift compact codec and the module framing of encrypted files.
 */
const RUNS = { numRuns: 2000, seed: 13 }
const i32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })
const size = fc.integer({ min: 0, max: 2 ** 31 - 1 })

const pageHeader: fc.Arbitrary<PageHeader> = fc.record(
  {
    type: fc.constantFrom(0, 1, 2, 3),
    uncompressed_page_size: size,
    compressed_page_size: size,
    crc: i32,
    data_page_header: fc.record({
      num_values: size,
      encoding: fc.integer({ min: 0, max: 9 }),
      definition_level_encoding: fc.constant(3),
      repetition_level_encoding: fc.constant(3),
    }),
  },
  { requiredKeys: ['type', 'uncompressed_page_size', 'compressed_page_size'] },
)

const DEFS: readonly [string, StructDef][] = [
  ['FileMetaData', FileMetaDataDef],
  ['FileCryptoMetaData', FileCryptoMetaDataDef],
  ['ColumnMetaData', ColumnMetaDataDef],
  ['PageHeader', PageHeaderDef],
  ['OffsetIndex', OffsetIndexDef],
]

/** Runs `f`; returns the error it threw, or undefined. */
function thrown(f: () => unknown): unknown {
  try {
    f()
    return undefined
  } catch (error) {
    return error
  }
}

describe('the Thrift compact codec', () => {
  it('decodes what it encodes (PageHeader)', () => {
    fc.assert(
      fc.property(pageHeader, (header) => {
        const bytes = encodeStruct(PageHeaderDef, header)
        const { value, end } = decodeStruct<PageHeader>(PageHeaderDef, bytes)
        expect(end).toBe(bytes.length)
        expect(value).toEqual(header)
      }),
      RUNS,
    )
  })

  it.each(DEFS)('decodes any bytes as %s to a value or a MalformedFileError, never another error', (_name, def) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        const error = thrown(() => decodeStruct(def, bytes))
        if (error !== undefined) expect(error).toBeInstanceOf(MalformedFileError)
      }),
      RUNS,
    )
  })

  it.each(DEFS)('re-encodes whatever it decoded as %s to bytes that decode to the same value', (_name, def) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        let first: unknown
        try {
          first = decodeStruct(def, bytes).value
        } catch {
          return // not a struct: covered above
        }
        const again = decodeStruct(def, encodeStruct(def, first as object)).value
        expect(again).toEqual(first)
      }),
      RUNS,
    )
  })

  it('refuses a list count larger than its data before building the list', () => {
    // FileMetaData field 2 (schema): a list of 5 structs in the 4 bytes that follow.
    const bytes = Uint8Array.of(0x29, 0xfc, 0x05, 0, 0, 0, 0)
    expect(() => decodeStruct(FileMetaDataDef, bytes)).toThrow(/list of 5 elements is longer than its data/)
  })
})

describe('the module framing of encrypted files', () => {
  const key = fc.uint8Array({ minLength: 16, maxLength: 16 })
  const cipher = fc.constantFrom('gcm' as const, 'ctr' as const)

  it('decrypts what it encrypts, and frames it with its own length', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 512 }),
        key,
        fc.uint8Array({ maxLength: 32 }),
        cipher,
        (plain, k, aad, c) => {
          const module = encryptModule(plain, k, aad, c)
          expect(moduleSize(module, 0)).toBe(module.length)
          expect(decryptModule(module, k, aad, c)).toEqual(plain)
        },
      ),
      RUNS,
    )
  })

  it('reads any length prefix as a size within the data or a MalformedFileError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat({ max: 70 }), (bytes, offset) => {
        const error = thrown(() => {
          const found = moduleSize(bytes, offset)
          expect(offset + found).toBeLessThanOrEqual(bytes.length)
        })
        if (error !== undefined) expect(error).toBeInstanceOf(MalformedFileError)
      }),
      RUNS,
    )
  })

  it('fails a GCM module with any byte changed with IntegrityError or MalformedFileError', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 128 }),
        key,
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (plain, k, at, xor) => {
          const module = encryptModule(plain, k, new Uint8Array(0), 'gcm')
          const i = at % module.length
          module[i] = (module[i] as number) ^ xor
          const error = thrown(() => decryptModule(module, k, new Uint8Array(0), 'gcm'))
          expect(error instanceof IntegrityError || error instanceof MalformedFileError).toBe(true)
        },
      ),
      RUNS,
    )
  })
})
