import { createCipheriv, createDecipheriv, randomBytes as nodeRandomBytes } from 'node:crypto'
import { snappyUncompress } from 'hyparquet'
import { describe, expect, it } from 'vitest'
import { ModuleType } from '../src/crypto/aad.js'
import { checkKey } from '../src/crypto/aes.js'
import {
  type Algorithm,
  decryptModule,
  encryptModule,
  type ModuleCipher,
  moduleCipher,
  moduleOverhead,
  moduleSize,
} from '../src/crypto/module-cipher.js'
import { IntegrityError, InvalidKeyError, MalformedFileError } from '../src/errors.js'
import { ParquetFile } from '../src/read/parquet-file.js'
import { type PageHeader, PageHeaderDef } from '../src/thrift/parquet-structs.js'
import { decodeStruct } from '../src/thrift/struct-codec.js'
import { locateModule } from './helpers/modules.js'
import { DOUBLE_KEY, pmeFile, workingOptions } from './helpers/pme-files.js'
import { readDataFile, skipWithoutData } from './helpers/test-data.js'

/*
 * Module framing (pme-reference §2): GCM = u32le(12+n+16) | nonce | ct | tag, CTR = u32le(12+n) | nonce | ct.
 * Expected bytes are computed here with node:crypto directly.
 */

const KEY_SIZES = [16, 24, 32] as const
const CIPHERS: readonly ModuleCipher[] = ['gcm', 'ctr']
const aad = new TextEncoder().encode('file-aad\x04')
const randomBytes = (length: number): Uint8Array => new Uint8Array(nodeRandomBytes(length))

function u32le(value: number): Uint8Array {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, value, true)
  return out
}

function nodeGcm(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, moduleAad: Uint8Array): Uint8Array {
  const cipher = createCipheriv(`aes-${key.length * 8}-gcm` as 'aes-128-gcm', key, nonce, { authTagLength: 16 })
  cipher.setAAD(moduleAad)
  return new Uint8Array(Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]))
}

/** CTR keystream from first principles: AES-ECB over the counter blocks nonce || u32be(1), u32be(2), … */
function ctrKeystream(key: Uint8Array, nonce: Uint8Array, length: number): Uint8Array {
  const blocks = Math.ceil(length / 16)
  const counters = new Uint8Array(blocks * 16)
  for (let i = 0; i < blocks; i++) {
    counters.set(nonce, i * 16)
    new DataView(counters.buffer).setUint32(i * 16 + 12, i + 1, false)
  }
  const ecb = createCipheriv(`aes-${key.length * 8}-ecb`, key, null).setAutoPadding(false)
  return new Uint8Array(Buffer.concat([ecb.update(counters), ecb.final()]).subarray(0, length))
}

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  return a.map((byte, i) => byte ^ (b[i] as number))
}

/** A module built without the library. */
function handMadeModule(cipher: ModuleCipher, key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const body =
    cipher === 'gcm' ? nodeGcm(key, nonce, plaintext, aad) : xor(plaintext, ctrKeystream(key, nonce, plaintext.length))
  return new Uint8Array(Buffer.concat([u32le(nonce.length + body.length), nonce, body]))
}

describe('GCM modules', () => {
  it.each(KEY_SIZES)('frames u32le(12+n+16) | nonce | ciphertext | tag with a %i-byte key', (keySize) => {
    const key = randomBytes(keySize)
    const nonce = randomBytes(12)
    const plaintext = randomBytes(45)
    const module = encryptModule(plaintext, key, aad, 'gcm', nonce)
    expect(module).toEqual(handMadeModule('gcm', key, nonce, plaintext))
    expect(new DataView(module.buffer, module.byteOffset).getUint32(0, true)).toBe(12 + 45 + 16)
    expect(module.length - plaintext.length).toBe(32)
    expect(moduleOverhead('gcm')).toBe(32)
  })

  it.each(KEY_SIZES)('decrypts a module made by node:crypto with a %i-byte key', (keySize) => {
    const key = randomBytes(keySize)
    const plaintext = randomBytes(100)
    const module = handMadeModule('gcm', key, randomBytes(12), plaintext)
    expect(decryptModule(module, key, aad, 'gcm')).toEqual(plaintext)
  })

  it.each([
    ['a flipped ciphertext byte', (m: Uint8Array) => (m[20] = (m[20] as number) ^ 1)],
    ['a flipped tag byte', (m: Uint8Array) => (m[m.length - 1] = (m[m.length - 1] as number) ^ 1)],
    ['a flipped nonce byte', (m: Uint8Array) => (m[4] = (m[4] as number) ^ 1)],
  ])('rejects %s with IntegrityError', (_what, tamper) => {
    const key = randomBytes(16)
    const module = encryptModule(randomBytes(30), key, aad, 'gcm')
    tamper(module)
    expect(() => decryptModule(module, key, aad, 'gcm')).toThrow(IntegrityError)
  })

  it('rejects the wrong AAD or the wrong key with IntegrityError', () => {
    const key = randomBytes(16)
    const module = encryptModule(randomBytes(30), key, aad, 'gcm')
    expect(() => decryptModule(module, key, Uint8Array.of(...aad, 0), 'gcm')).toThrow(IntegrityError)
    expect(() => decryptModule(module, randomBytes(16), aad, 'gcm')).toThrow(IntegrityError)
  })
})

describe('CTR modules', () => {
  it.each(KEY_SIZES)('frames u32le(12+n) | nonce | ciphertext with a %i-byte key', (keySize) => {
    const key = randomBytes(keySize)
    const nonce = randomBytes(12)
    const plaintext = randomBytes(45) // three counter blocks, the last one partial
    const module = encryptModule(plaintext, key, aad, 'ctr', nonce)
    expect(new DataView(module.buffer, module.byteOffset).getUint32(0, true)).toBe(12 + 45)
    expect(module.subarray(4, 16)).toEqual(nonce)
    expect(module.length - plaintext.length).toBe(16)
    expect(moduleOverhead('ctr')).toBe(16)
  })

  it.each(KEY_SIZES)('uses IV nonce || 00000001, counting up big-endian (%i-byte key)', (keySize) => {
    const key = randomBytes(keySize)
    const nonce = randomBytes(12)
    const plaintext = randomBytes(45)
    const ciphertext = encryptModule(plaintext, key, aad, 'ctr', nonce).subarray(16)
    expect(ciphertext).toEqual(xor(plaintext, ctrKeystream(key, nonce, plaintext.length)))
  })

  it('decrypts a module made from the keystream by hand, and has no tag to check', () => {
    const key = randomBytes(16)
    const plaintext = randomBytes(64)
    const module = handMadeModule('ctr', key, randomBytes(12), plaintext)
    expect(decryptModule(module, key, aad, 'ctr')).toEqual(plaintext)
    // CTR is unauthenticated: a flipped bit comes through as a flipped bit (why the spec keeps
    // page headers under GCM).
    module[20] = (module[20] as number) ^ 0x01
    const tampered = decryptModule(module, key, aad, 'ctr')
    expect(tampered[4]).toBe((plaintext[4] as number) ^ 0x01)
  })
})

describe('framing edge cases', () => {
  it.each(CIPHERS)('allows a zero-length %s module', (cipher) => {
    const key = randomBytes(16)
    const module = encryptModule(new Uint8Array(0), key, aad, cipher)
    expect(module.length).toBe(moduleOverhead(cipher))
    expect(new DataView(module.buffer, module.byteOffset).getUint32(0, true)).toBe(moduleOverhead(cipher) - 4)
    expect(decryptModule(module, key, aad, cipher)).toEqual(new Uint8Array(0))
  })

  it('measures a module by its length prefix, which excludes itself', () => {
    const bytes = Uint8Array.of(0xaa, 3, 0, 0, 0, 1, 2, 3, 0xbb)
    expect(moduleSize(bytes, 1)).toBe(7)
  })

  it.each([
    ['a prefix past the end', Uint8Array.of(1, 2)],
    ['a length past the end', Uint8Array.of(9, 0, 0, 0, 1, 2, 3)],
  ])('rejects %s with MalformedFileError', (_what, bytes) => {
    expect(() => moduleSize(bytes, 0)).toThrow(MalformedFileError)
  })

  it.each(CIPHERS)('rejects a %s module whose prefix disagrees with its length', (cipher) => {
    const key = randomBytes(16)
    const module = encryptModule(randomBytes(8), key, aad, cipher)
    expect(() => decryptModule(module.subarray(0, module.length - 1), key, aad, cipher)).toThrow(MalformedFileError)
  })

  it('rejects a GCM module shorter than its framing', () => {
    const key = randomBytes(16)
    expect(() => decryptModule(Uint8Array.of(20, 0, 0, 0, ...randomBytes(20)), key, aad, 'gcm')).toThrow(
      MalformedFileError,
    )
  })
})

describe('keys', () => {
  it.each([0, 8, 15, 17, 31, 33, 64])('rejects a %i-byte key with InvalidKeyError', (size) => {
    const key = new Uint8Array(size).fill(7)
    expect(() => checkKey(key, 'the key')).toThrow(InvalidKeyError)
    for (const cipher of CIPHERS) {
      expect(() => encryptModule(randomBytes(8), key, aad, cipher)).toThrow(InvalidKeyError)
      expect(() => decryptModule(new Uint8Array(40).fill(0).fill(36, 0, 1), key, aad, cipher)).toThrow(InvalidKeyError)
    }
  })

  it.each(KEY_SIZES)('accepts a %i-byte key', (size) => {
    expect(() => checkKey(new Uint8Array(size), 'the key')).not.toThrow()
  })
})

describe('moduleCipher: which modules use CTR', () => {
  const algorithms: Algorithm[] = ['AES_GCM_V1', 'AES_GCM_CTR_V1']
  const cases = algorithms.flatMap((algorithm) =>
    Object.entries(ModuleType).map(([name, type]) => {
      const ctr = algorithm === 'AES_GCM_CTR_V1' && (type === ModuleType.DataPage || type === ModuleType.DictionaryPage)
      return [algorithm, name, type, ctr ? 'ctr' : 'gcm'] as const
    }),
  )
  it.each(cases)('%s, %s (type %i) → %s', (algorithm, _name, type, expected) => {
    expect(moduleCipher(algorithm, type)).toBe(expected)
  })
})

describe.skipIf(skipWithoutData('module framing in the parquet-testing files'))('framing in the C++ files', () => {
  /** A module's parts, sliced by hand from its length prefix. */
  function parts(bytes: Uint8Array, span: { offset: number; size: number }) {
    const module = bytes.subarray(span.offset, span.offset + span.size)
    const length = new DataView(module.buffer, module.byteOffset, 4).getUint32(0, true)
    return { module, length, nonce: module.subarray(4, 16), body: module.subarray(16) }
  }

  function nodeGcmOpen(key: Uint8Array, module: ReturnType<typeof parts>, moduleAad: Uint8Array): Uint8Array {
    const decipher = createDecipheriv('aes-128-gcm', key, module.nonce)
    decipher.setAAD(moduleAad)
    decipher.setAuthTag(module.body.subarray(-16))
    return new Uint8Array(Buffer.concat([decipher.update(module.body.subarray(0, -16)), decipher.final()]))
  }

  /** AES-CTR from node:crypto with the spec's IV nonce || 00000001; CTR modules have no AAD. */
  function nodeCtrOpen(key: Uint8Array, module: ReturnType<typeof parts>): Uint8Array {
    const iv = Uint8Array.from([...module.nonce, 0, 0, 0, 1])
    const decipher = createDecipheriv('aes-128-ctr', key, iv)
    return new Uint8Array(Buffer.concat([decipher.update(module.body), decipher.final()]))
  }

  it.each([
    ['encrypt_columns_and_footer', 'gcm'],
    ['encrypt_columns_and_footer_ctr', 'ctr'],
  ] as const)(
    '%s: the double_field dictionary page is a %s module holding the 50 PLAIN doubles',
    async (stem, cipher) => {
      const file = pmeFile(stem)
      const bytes = readDataFile(file.name)
      const options = workingOptions(file)
      const parquet = await ParquetFile.open(bytes, options)
      const aadFileUnique = parquet.encryption?.params.aadFileUnique as Uint8Array
      const header = parts(bytes, await locateModule(bytes, options, 'double_field', 'dictionary page header'))
      const page = parts(bytes, await locateModule(bytes, options, 'double_field', 'dictionary page'))

      // Page headers are GCM in both algorithms; AAD = fileAAD || 05 || rg 0 || column 5.
      const headerBytes = nodeGcmOpen(DOUBLE_KEY, header, Uint8Array.from([...aadFileUnique, 5, 0, 0, 5, 0]))
      expect(header.length).toBe(12 + headerBytes.length + 16)
      const pageHeader = decodeStruct<PageHeader>(PageHeaderDef, headerBytes).value
      // compressed_page_size counts the whole encrypted module, length prefix included.
      expect(pageHeader.compressed_page_size).toBe(page.module.length)

      const compressed =
        cipher === 'gcm'
          ? nodeGcmOpen(DOUBLE_KEY, page, Uint8Array.from([...aadFileUnique, 3, 0, 0, 5, 0]))
          : nodeCtrOpen(DOUBLE_KEY, page)
      expect(page.module.length - compressed.length).toBe(cipher === 'gcm' ? 32 : 16)
      expect(page.length).toBe(12 + compressed.length + (cipher === 'gcm' ? 16 : 0))

      const plain = new Uint8Array(pageHeader.uncompressed_page_size)
      snappyUncompress(compressed, plain)
      const doubles = new Float64Array(plain.buffer.slice(0))
      expect([...doubles]).toEqual(Array.from({ length: 50 }, (_, i) => i * 1.1111111))
    },
  )
})
