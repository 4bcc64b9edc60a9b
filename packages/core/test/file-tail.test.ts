import { describe, expect, it } from 'vitest'
import { MalformedFileError } from '../src/errors.js'
import { algorithmParameters } from '../src/format/encryption-algorithm.js'
import { readFileTail } from '../src/format/file-tail.js'
import { bufferSource } from '../src/io/byte-source.js'
import {
  type FileCryptoMetaData,
  FileCryptoMetaDataDef,
  type FileMetaData,
  FileMetaDataDef,
} from '../src/thrift/parquet-structs.js'
import { decodeStruct, encodeStruct } from '../src/thrift/struct-codec.js'
import { pmeFile } from './helpers/pme-files.js'
import { readDataFile, skipWithoutData } from './helpers/test-data.js'

/*
 * The tail of encrypted files (pme-reference §1, §4):
 *   PARE: … | FileCryptoMetaData | footer module | u32le L | "PARE"
 *   PAR1: … | FileMetaData | nonce12 | tag16 | u32le L | "PAR1"
 */

const ascii = (text: string): number[] => [...new TextEncoder().encode(text)]

/** §4 byte check: `1C 1C 28 08 <8B> 12 00 00 18 02 "kf" 00` = {1:{1:{2:bin8, 3:false}}, 2:"kf"}. */
function fileCryptoMetaDataBytes(aadFileUnique: number[]): Uint8Array {
  return Uint8Array.from([0x1c, 0x1c, 0x28, 0x08, ...aadFileUnique, 0x12, 0x00, 0x00, 0x18, 0x02, ...ascii('kf'), 0x00])
}

function tailOf(bytes: Uint8Array): { length: number; magic: string } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return {
    length: view.getUint32(bytes.length - 8, true),
    magic: new TextDecoder().decode(bytes.subarray(bytes.length - 4)),
  }
}

describe('FileCryptoMetaData from the spec bytes', () => {
  const unique = [1, 2, 3, 4, 5, 6, 7, 8]
  const spec = fileCryptoMetaDataBytes(unique)

  it('is 20 bytes and decodes to AES_GCM_V1 with aad_file_unique, supply_aad_prefix=false and key_metadata "kf"', () => {
    expect(spec.length).toBe(20)
    const { value, end } = decodeStruct<FileCryptoMetaData>(FileCryptoMetaDataDef, spec)
    expect(end).toBe(20)
    expect(value.encryption_algorithm.AES_GCM_V1?.aad_file_unique).toEqual(Uint8Array.from(unique))
    expect(value.encryption_algorithm.AES_GCM_V1?.supply_aad_prefix).toBe(false)
    expect(value.encryption_algorithm.AES_GCM_V1?.aad_prefix).toBeUndefined()
    expect(value.encryption_algorithm.AES_GCM_CTR_V1).toBeUndefined()
    expect(value.key_metadata).toEqual(Uint8Array.from(ascii('kf')))
    expect(algorithmParameters(value.encryption_algorithm)).toEqual({
      algorithm: 'AES_GCM_V1',
      aadFileUnique: Uint8Array.from(unique),
      supplyAadPrefix: false,
    })
  })

  it('encodes back to the same bytes', () => {
    const { value } = decodeStruct<FileCryptoMetaData>(FileCryptoMetaDataDef, spec)
    expect(encodeStruct(FileCryptoMetaDataDef, value)).toEqual(spec)
  })

  it('finds its end even when the footer module follows directly', () => {
    const followed = Uint8Array.from([...spec, 0x77, 0x04, 0x00, 0x00])
    expect(decodeStruct(FileCryptoMetaDataDef, followed).end).toBe(20)
  })
})

describe('readFileTail on malformed files', () => {
  const file = (head: string, body: number[], length: number, tail: string) =>
    Uint8Array.from([...ascii(head), ...body, length & 0xff, length >> 8, 0, 0, ...ascii(tail)])

  it.each([
    ['too short', Uint8Array.from(ascii('PAR1PAR1'))],
    ['a foreign trailing magic', file('PAR1', [0, 0], 2, 'PARX')],
    ['different leading and trailing magics', file('PAR1', [0, 0], 2, 'PARE')],
    ['a footer length larger than the file', file('PARE', [0, 0], 300, 'PARE')],
  ])('rejects %s with MalformedFileError', async (_what, bytes) => {
    await expect(readFileTail(bufferSource(bytes, 'bad.parquet'))).rejects.toThrow(MalformedFileError)
  })

  it('says "truncated" for a file that starts as Parquet but was cut short', async () => {
    const whole = file('PAR1', [1, 2, 3, 4, 5, 6, 7, 8, 9], 9, 'PAR1')
    const cut = whole.subarray(0, whole.length - 3)
    await expect(readFileTail(bufferSource(cut, 'cut.parquet'))).rejects.toThrow(
      /the file is truncated.*starts with PAR1/,
    )
    await expect(readFileTail(bufferSource(file('PARE', [0, 0], 300, 'PARE')))).rejects.toThrow(/truncated/)
  })

  it('returns the footer region and whether it is encrypted', async () => {
    const tail = await readFileTail(bufferSource(file('PARE', [9, 8, 7], 3, 'PARE')))
    expect(tail).toEqual({ encryptedFooter: true, footer: Uint8Array.of(9, 8, 7), footerOffset: 4 })
  })
})

describe.skipIf(skipWithoutData('file tails of the parquet-testing files'))('file tails of the C++ test files', () => {
  it('encrypt_columns_and_footer: PARE, 20-byte FileCryptoMetaData of the §4 form, footer module 4+1143, L = 1167', async () => {
    const bytes = readDataFile(pmeFile('encrypt_columns_and_footer').name)
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('PARE')
    const { length, magic } = tailOf(bytes)
    expect(magic).toBe('PARE')
    expect(length).toBe(1167)
    const region = bytes.subarray(bytes.length - 8 - length, bytes.length - 8)
    const unique = [...region.subarray(4, 12)]
    expect(region.subarray(0, 20)).toEqual(fileCryptoMetaDataBytes(unique))
    expect(decodeStruct(FileCryptoMetaDataDef, region).end).toBe(20)
    const moduleLength = new DataView(region.buffer, region.byteOffset + 20, 4).getUint32(0, true)
    expect(moduleLength).toBe(1143)
    expect(20 + 4 + moduleLength).toBe(length)
  })

  it('encrypt_columns_plaintext_footer: PAR1, FileMetaData of 1213 bytes + 28 signature bytes = 1241', async () => {
    const bytes = readDataFile(pmeFile('encrypt_columns_plaintext_footer').name)
    const { length, magic } = tailOf(bytes)
    expect([magic, length]).toEqual(['PAR1', 1241])
    const region = bytes.subarray(bytes.length - 8 - length, bytes.length - 8)
    const { value, end } = decodeStruct<FileMetaData>(FileMetaDataDef, region)
    expect(end).toBe(1213)
    // A plaintext footer names its algorithm (field 8) and signing key (field 9).
    expect(value.encryption_algorithm?.AES_GCM_V1?.aad_file_unique).toHaveLength(8)
    expect(value.footer_signing_key_metadata).toEqual(Uint8Array.from(ascii('kf')))
  })
})
