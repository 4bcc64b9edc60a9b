import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MalformedFileError, MissingKeyError, UsageError } from '../src/errors.js'
import { CryptoFactory } from '../src/keys/crypto-factory.js'
import { parseKeyMaterial } from '../src/keys/key-material.js'
import { parseKeyMetadata } from '../src/keys/key-metadata.js'
import { ParquetFile } from '../src/read/parquet-file.js'
import { readParquet } from '../src/read/read-parquet.js'
import { encryptFile } from '../src/transform/encrypt-file.js'
import type { EncryptionProperties } from '../src/write/encryption-properties.js'
import { writeParquet } from '../src/write/parquet-writer.js'
import { expectPmeError } from './helpers/errors.js'
import { int32Plain, plainParquet } from './helpers/plain-parquet.js'
import {
  ascii,
  FakeClock,
  gcmUnwrap,
  MASTER_KEYS,
  TestKms,
  unb64,
  unwrapIndependently,
  utf8,
} from './helpers/test-kms.js'

/*
 * PKMT1 key material and key metadata as the key tools write them (pme-reference §6): field sets,
 * Arrow C++'s field order, external references, wrapping layouts (checked with node:crypto alone),
 * strict parsing, and how data keys and KEKs are shared.
 */

const json = (bytes: Uint8Array | undefined): Record<string, unknown> => JSON.parse(utf8(bytes))
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

// Arrow C++'s (RapidJSON) order, pme-reference §6 "Key material JSON".
const FOOTER_FIELDS_DOUBLE = [
  'keyMaterialType',
  'internalStorage',
  'isFooterKey',
  'kmsInstanceID',
  'kmsInstanceURL',
  'masterKeyID',
  'wrappedDEK',
  'doubleWrapping',
  'keyEncryptionKeyID',
  'wrappedKEK',
]
const COLUMN_FIELDS_DOUBLE = FOOTER_FIELDS_DOUBLE.filter((f) => f !== 'kmsInstanceID' && f !== 'kmsInstanceURL')
const noKek = (fields: string[]) => fields.filter((f) => f !== 'keyEncryptionKeyID' && f !== 'wrappedKEK')

const ROWS = [
  { a: 1, b: 'x', c: 10, d: 1.5 },
  { a: 2, b: 'y', c: 20, d: 2.5 },
  { a: 3, b: 'z', c: 30, d: 3.5 },
]

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pme-key-material-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('internal key metadata: the key material JSON with "internalStorage":true', () => {
  const kms = new TestKms()
  const factory = new CryptoFactory(kms.factory)
  let double: EncryptionProperties
  let single: EncryptionProperties

  beforeAll(async () => {
    const columnKeys = { kc1: ['a', 'b'], kc2: ['c'] }
    double = await factory.fileEncryptionProperties({}, { footerKey: 'kf', columnKeys })
    single = await factory.fileEncryptionProperties({}, { footerKey: 'kf', columnKeys, doubleWrapping: false })
  })

  it('footer material, double wrapping: every §6 field, in Arrow C++ order, compact', () => {
    const text = utf8(double.footerKey.keyMetadata)
    const material = JSON.parse(text)
    expect(Object.keys(material)).toEqual(FOOTER_FIELDS_DOUBLE)
    expect(material).toMatchObject({
      keyMaterialType: 'PKMT1',
      internalStorage: true,
      isFooterKey: true,
      kmsInstanceID: 'DEFAULT',
      kmsInstanceURL: 'DEFAULT',
      masterKeyID: 'kf',
      doubleWrapping: true,
    })
    expect(text).not.toMatch(/\s/)
    expect(text.startsWith('{"keyMaterialType":"PKMT1","internalStorage":true,"isFooterKey":true,')).toBe(true)
  })

  it('column material has no kmsInstanceID / kmsInstanceURL', () => {
    for (const column of ['a', 'b', 'c']) {
      const material = json(double.columnKeys?.[column]?.keyMetadata)
      expect(Object.keys(material)).toEqual(COLUMN_FIELDS_DOUBLE)
      expect(material).toMatchObject({ internalStorage: true, isFooterKey: false, doubleWrapping: true })
    }
    expect(json(double.columnKeys?.a?.keyMetadata).masterKeyID).toBe('kc1')
    expect(json(double.columnKeys?.c?.keyMetadata).masterKeyID).toBe('kc2')
  })

  it('single wrapping has no keyEncryptionKeyID / wrappedKEK', () => {
    expect(Object.keys(json(single.footerKey.keyMetadata))).toEqual(noKek(FOOTER_FIELDS_DOUBLE))
    expect(Object.keys(json(single.columnKeys?.a?.keyMetadata))).toEqual(noKek(COLUMN_FIELDS_DOUBLE))
    expect(json(single.footerKey.keyMetadata).doubleWrapping).toBe(false)
  })

  it('a 16-byte DEK under double wrapping is wrapped into 60 base64 chars (44 bytes)', () => {
    for (const spec of [double.footerKey, double.columnKeys?.a, double.columnKeys?.c]) {
      const wrapped = json(spec?.keyMetadata).wrappedDEK as string
      expect(spec?.key.length).toBe(16)
      expect(wrapped).toHaveLength(60)
      expect(wrapped).toMatch(/^[A-Za-z0-9+/]{59}=$/) // 44 bytes: one pad char
      expect(unb64(wrapped).length).toBe(44)
    }
  })

  it('the KEK id is 16 bytes (24 base64 chars) and the raw AAD of the local DEK wrap', () => {
    const material = json(double.footerKey.keyMetadata)
    const kekId = material.keyEncryptionKeyID as string
    expect(kekId).toMatch(/^[A-Za-z0-9+/]{22}==$/)
    expect(unb64(kekId).length).toBe(16)
    // wrappedKEK is the InMemoryKMS wrap: AAD = UTF-8 master key id.
    const kek = gcmUnwrap(material.wrappedKEK as string, MASTER_KEYS.kf as Uint8Array, ascii('kf'))
    expect(kek.length).toBe(16)
    const dek = gcmUnwrap(material.wrappedDEK as string, kek, unb64(kekId))
    expect(hex(dek)).toBe(hex(double.footerKey.key))
    // Not the base64 text, not empty: the raw bytes.
    expect(() => gcmUnwrap(material.wrappedDEK as string, kek, ascii(kekId))).toThrow()
    expect(() => gcmUnwrap(material.wrappedDEK as string, kek, new Uint8Array(0))).toThrow()
  })

  it('single wrapping: wrappedDEK is the KMS wrap of the DEK itself', () => {
    for (const [spec, id] of [
      [single.footerKey, 'kf'],
      [single.columnKeys?.a, 'kc1'],
      [single.columnKeys?.c, 'kc2'],
    ] as const) {
      const material = json(spec?.keyMetadata)
      const dek = gcmUnwrap(material.wrappedDEK as string, MASTER_KEYS[id] as Uint8Array, ascii(id))
      expect(hex(dek)).toBe(hex(spec?.key as Uint8Array))
    }
  })

  it('every DEK unwraps independently to the key the writer uses', () => {
    for (const props of [double, single]) {
      for (const spec of [props.footerKey, ...Object.values(props.columnKeys ?? {})]) {
        expect(hex(unwrapIndependently(json(spec.keyMetadata), MASTER_KEYS).dek)).toBe(hex(spec.key))
      }
    }
  })

  it('the KMS instance of the connection goes into the footer material only', async () => {
    const props = await factory.fileEncryptionProperties(
      { kmsInstanceId: 'kms-7', kmsInstanceUrl: 'https://kms.example:8200' },
      { footerKey: 'kf', columnKeys: { kc1: ['a'] } },
    )
    expect(json(props.footerKey.keyMetadata)).toMatchObject({
      kmsInstanceID: 'kms-7',
      kmsInstanceURL: 'https://kms.example:8200',
    })
    expect(json(props.columnKeys?.a?.keyMetadata)).not.toHaveProperty('kmsInstanceID')
    expect(json(props.columnKeys?.a?.keyMetadata)).not.toHaveProperty('kmsInstanceURL')
  })

  it('the written file stores these bytes as the footer and column key metadata', async () => {
    const path = join(dir, 'internal.parquet')
    await writeParquet(path, { rows: ROWS }, { encryption: double })
    const file = await ParquetFile.open(path, factory.fileDecryptionProperties({}))
    expect(utf8(file.encryption?.footerKeyMetadata)).toBe(utf8(double.footerKey.keyMetadata))
    const byColumn = Object.fromEntries(
      file.leaves.map((leaf, i) => {
        const encryption = file.columnEncryption(0, i)
        return [leaf.dotPath, encryption.kind === 'column-key' ? utf8(encryption.keyMetadata) : encryption.kind]
      }),
    )
    expect(byColumn).toEqual({
      a: utf8(double.columnKeys?.a?.keyMetadata),
      b: utf8(double.columnKeys?.b?.keyMetadata),
      c: utf8(double.columnKeys?.c?.keyMetadata),
      d: 'plaintext',
    })
    expect(await readParquet(path, factory.fileDecryptionProperties({}))).toEqual(ROWS)
  })
})

describe('external key material', () => {
  const kms = new TestKms()
  const factory = new CryptoFactory(kms.factory)
  const config = { footerKey: 'kf', columnKeys: 'kc2:c;kc1:a,b', internalKeyMaterial: false }
  let path: string
  let props: EncryptionProperties

  beforeAll(async () => {
    path = join(dir, 'external.parquet')
    props = await factory.fileEncryptionProperties({}, config, path)
    await writeParquet(path, { rows: ROWS }, { encryption: props })
  })

  it('footer key metadata is exactly {"keyMaterialType":"PKMT1","internalStorage":false,"keyReference":"footerKey"}', () => {
    expect(utf8(props.footerKey.keyMetadata)).toBe(
      '{"keyMaterialType":"PKMT1","internalStorage":false,"keyReference":"footerKey"}',
    )
  })

  it('columns are columnKey0, columnKey1… in the order of the column keys', () => {
    const reference = (column: string) => json(props.columnKeys?.[column]?.keyMetadata)
    expect(reference('c')).toEqual({ keyMaterialType: 'PKMT1', internalStorage: false, keyReference: 'columnKey0' })
    expect(reference('a').keyReference).toBe('columnKey1')
    expect(reference('b').keyReference).toBe('columnKey2')
    expect(Object.keys(reference('a'))).toEqual(['keyMaterialType', 'internalStorage', 'keyReference'])
  })

  it('a master key listed twice keeps the string order, as parquet-java and Arrow number it', async () => {
    const repeated = { ...config, columnKeys: 'kc1:a;kc2:c;kc1:b' }
    const other = await factory.fileEncryptionProperties({}, repeated, join(dir, 'repeated.parquet'))
    const reference = (column: string) => json(other.columnKeys?.[column]?.keyMetadata).keyReference
    expect([reference('a'), reference('c'), reference('b')]).toEqual(['columnKey0', 'columnKey1', 'columnKey2'])
  })

  it('the counter is per writer: the next file starts at columnKey0 again', async () => {
    const other = await factory.fileEncryptionProperties({}, config, join(dir, 'other.parquet'))
    expect(json(other.columnKeys?.c?.keyMetadata).keyReference).toBe('columnKey0')
  })

  it('the material file is _KEY_MATERIAL_FOR_<name>.json, one doubly encoded entry per reference', async () => {
    const materialPath = join(dir, '_KEY_MATERIAL_FOR_external.parquet.json')
    expect(existsSync(materialPath)).toBe(true)
    const store = JSON.parse(await readFile(materialPath, 'utf8')) as Record<string, unknown>
    expect(Object.keys(store).sort()).toEqual(['columnKey0', 'columnKey1', 'columnKey2', 'footerKey'])
    for (const value of Object.values(store)) expect(typeof value).toBe('string')
    const entry = (reference: string) => JSON.parse(store[reference] as string) as Record<string, unknown>
    // The key material alone: internalStorage is a key metadata field, not stored externally.
    for (const reference of Object.keys(store)) expect(entry(reference)).not.toHaveProperty('internalStorage')
    expect(Object.keys(entry('footerKey'))).toEqual(FOOTER_FIELDS_DOUBLE.filter((f) => f !== 'internalStorage'))
    expect(Object.keys(entry('columnKey0'))).toEqual(COLUMN_FIELDS_DOUBLE.filter((f) => f !== 'internalStorage'))
    expect(entry('footerKey')).toMatchObject({ isFooterKey: true, kmsInstanceID: 'DEFAULT', masterKeyID: 'kf' })
    expect([entry('columnKey0').masterKeyID, entry('columnKey1').masterKeyID, entry('columnKey2').masterKeyID]).toEqual(
      ['kc2', 'kc1', 'kc1'],
    )
    const dek = (reference: string) => hex(unwrapIndependently(entry(reference), MASTER_KEYS).dek)
    expect(dek('footerKey')).toBe(hex(props.footerKey.key))
    expect(dek('columnKey0')).toBe(hex(props.columnKeys?.c?.key as Uint8Array))
    expect(dek('columnKey1')).toBe(hex(props.columnKeys?.a?.key as Uint8Array))
    expect(dek('columnKey2')).toBe(hex(props.columnKeys?.b?.key as Uint8Array))
  })

  it('the file holds the references and reads back given its path', async () => {
    const file = await ParquetFile.open(path, factory.fileDecryptionProperties({}, {}, path))
    expect(utf8(file.encryption?.footerKeyMetadata)).toBe(utf8(props.footerKey.keyMetadata))
    const encryption = file.columnEncryption(0, 0)
    expect(encryption.kind === 'column-key' && json(encryption.keyMetadata).keyReference).toBe('columnKey1')
    expect(await readParquet(path, factory.fileDecryptionProperties({}, {}, path))).toEqual(ROWS)
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([])
  })

  it('the writer needs the Parquet file path', async () => {
    await expect(factory.fileEncryptionProperties({}, config)).rejects.toBeInstanceOf(UsageError)
  })

  it('a reader without the path fails with a typed error', async () => {
    const error = await readParquet(path, factory.fileDecryptionProperties({})).catch((e: unknown) => e)
    expectPmeError(error, UsageError, 'PME_USAGE', { file: path })
  })

  it('a missing material file is a MissingKeyError naming the file', async () => {
    const copy = join(dir, 'copy-without-material.parquet')
    await writeParquet(copy, { rows: ROWS }, { encryption: props })
    const error = await readParquet(copy, factory.fileDecryptionProperties({}, {}, copy)).catch((e: unknown) => e)
    expectPmeError(error, MissingKeyError, 'PME_MISSING_KEY', { file: copy })
    expect((error as Error).message).toContain('_KEY_MATERIAL_FOR_copy-without-material.parquet.json')
  })
})

describe('parsers require JSON booleans and the PKMT1 fields', () => {
  const kms = new TestKms()
  const factory = new CryptoFactory(kms.factory)
  let props: EncryptionProperties
  beforeAll(async () => {
    props = await factory.fileEncryptionProperties({}, { footerKey: 'kf', columnKeys: { kc1: ['a'] } })
  })
  const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value))

  it.each(['internalStorage', 'isFooterKey', 'doubleWrapping'])('"%s":"true" (a string) is rejected', (field) => {
    const material = json(props.footerKey.keyMetadata)
    material[field] = String(material[field])
    expect(() => parseKeyMetadata(encode(material))).toThrow(MalformedFileError)
  })

  it('external key metadata with "internalStorage":"false" is rejected', () => {
    const metadata = { keyMaterialType: 'PKMT1', internalStorage: 'false', keyReference: 'footerKey' }
    expect(() => parseKeyMetadata(encode(metadata))).toThrow(MalformedFileError)
    expect(parseKeyMetadata(encode({ ...metadata, internalStorage: false }))).toEqual({
      internal: false,
      keyReference: 'footerKey',
    })
  })

  it('external material entries are checked the same way', () => {
    const { internalStorage: _, ...material } = json(props.columnKeys?.a?.keyMetadata)
    expect(parseKeyMaterial(JSON.stringify(material)).masterKeyId).toBe('kc1')
    expect(() => parseKeyMaterial(JSON.stringify({ ...material, doubleWrapping: 'true' }))).toThrow(MalformedFileError)
    expect(() => parseKeyMaterial(JSON.stringify({ ...material, isFooterKey: 0 }))).toThrow(MalformedFileError)
    expect(() => parseKeyMaterial(JSON.stringify({ ...material, keyMaterialType: 'PKMT2' }))).toThrow(
      MalformedFileError,
    )
    const { wrappedKEK: __, ...withoutKek } = material
    expect(() => parseKeyMaterial(JSON.stringify(withoutKek))).toThrow(MalformedFileError)
  })

  it('field order does not matter: parquet-java hash order parses to the same material', async () => {
    const material = json(props.footerKey.keyMetadata)
    const javaOrder = [
      'kmsInstanceURL',
      'masterKeyID',
      'wrappedDEK',
      'keyEncryptionKeyID',
      'doubleWrapping',
      'isFooterKey',
      'keyMaterialType',
      'kmsInstanceID',
      'wrappedKEK',
      'internalStorage',
    ]
    const reordered = encode(Object.fromEntries(javaOrder.map((key) => [key, material[key]])))
    expect(parseKeyMetadata(reordered)).toEqual(parseKeyMetadata(props.footerKey.keyMetadata as Uint8Array))
    const reader = new CryptoFactory(new TestKms().factory)
    expect(hex(await reader.fileKeyUnwrapper({}).unwrap(reordered))).toBe(hex(props.footerKey.key))
  })

  it('a file whose key metadata has a string boolean fails to read with a typed error', async () => {
    const material = json(props.footerKey.keyMetadata)
    const path = join(dir, 'string-boolean.parquet')
    const bad = { key: props.footerKey.key, keyMetadata: encode({ ...material, doubleWrapping: 'true' }) }
    await writeParquet(path, { rows: ROWS }, { encryption: { footerKey: bad } })
    const error = await readParquet(path, factory.fileDecryptionProperties({})).catch((e: unknown) => e)
    expectPmeError(error, MalformedFileError, 'PME_MALFORMED', { file: path })
  })
})

describe('data keys and key encryption keys', () => {
  it('a fresh DEK per column and for the footer, even when columns share a master key', async () => {
    const factory = new CryptoFactory(new TestKms().factory)
    const props = await factory.fileEncryptionProperties(
      {},
      { footerKey: 'kf', columnKeys: { kc1: ['a', 'b', 'c'], kc2: ['d'] } },
    )
    const specs = [props.footerKey, ...['a', 'b', 'c', 'd'].map((c) => props.columnKeys?.[c])]
    const deks = specs.map((spec) => hex(spec?.key as Uint8Array))
    expect(new Set(deks).size).toBe(5)
    const wrapped = specs.map((spec) => json(spec?.keyMetadata).wrappedDEK)
    expect(new Set(wrapped).size).toBe(5)
  })

  it('columns under one master key share keyEncryptionKeyID and wrappedKEK; other master keys do not', async () => {
    const factory = new CryptoFactory(new TestKms().factory)
    const props = await factory.fileEncryptionProperties(
      {},
      { footerKey: 'kf', columnKeys: { kc1: ['a', 'b', 'c'], kc2: ['d'] } },
    )
    const kek = (column: string) => json(props.columnKeys?.[column]?.keyMetadata)
    expect(kek('b').keyEncryptionKeyID).toBe(kek('a').keyEncryptionKeyID)
    expect(kek('c').keyEncryptionKeyID).toBe(kek('a').keyEncryptionKeyID)
    expect(kek('c').wrappedKEK).toBe(kek('a').wrappedKEK)
    expect(kek('d').keyEncryptionKeyID).not.toBe(kek('a').keyEncryptionKeyID)
    expect(json(props.footerKey.keyMetadata).keyEncryptionKeyID).not.toBe(kek('a').keyEncryptionKeyID)
  })

  it('the footer and a column under the same master key share its KEK but not the DEK', async () => {
    const factory = new CryptoFactory(new TestKms().factory)
    const props = await factory.fileEncryptionProperties({}, { footerKey: 'kf', columnKeys: { kf: ['a'] } })
    const footer = json(props.footerKey.keyMetadata)
    const column = json(props.columnKeys?.a?.keyMetadata)
    expect(column.keyEncryptionKeyID).toBe(footer.keyEncryptionKeyID)
    expect(hex(props.columnKeys?.a?.key as Uint8Array)).not.toBe(hex(props.footerKey.key))
  })

  it('files share a KEK within one cache lifetime, and get a new one after it', async () => {
    const clock = new FakeClock()
    const factory = new CryptoFactory(new TestKms().factory, clock.read)
    const config = { footerKey: 'kf', columnKeys: { kc1: ['a'] }, cacheLifetimeSeconds: 60 }
    const kekId = (p: EncryptionProperties) => json(p.columnKeys?.a?.keyMetadata).keyEncryptionKeyID
    const first = await factory.fileEncryptionProperties({}, config)
    clock.advanceSeconds(59)
    const second = await factory.fileEncryptionProperties({}, config)
    expect(kekId(second)).toBe(kekId(first))
    expect(hex(second.columnKeys?.a?.key as Uint8Array)).not.toBe(hex(first.columnKeys?.a?.key as Uint8Array))
    clock.advanceSeconds(2)
    const third = await factory.fileEncryptionProperties({}, config)
    expect(kekId(third)).not.toBe(kekId(first))
  })

  it('a group name (struct root) gives all its leaves one shared DEK, as pyarrow does', async () => {
    const kms = new TestKms()
    const factory = new CryptoFactory(kms.factory)
    const rows = 4
    const { bytes } = plainParquet(
      [
        { path: ['a'], type: 'INT32', values: int32Plain([1, 2, 3, 4]) },
        { path: ['s', 'x'], type: 'INT32', values: int32Plain([5, 6, 7, 8]) },
        { path: ['s', 'y'], type: 'INT32', values: int32Plain([9, 10, 11, 12]) },
      ],
      rows,
    )
    const props = await factory.fileEncryptionProperties(
      {},
      { footerKey: 'kf', columnKeys: { kc1: ['s'], kc2: ['a'] } },
    )
    expect(Object.keys(props.columnKeys ?? {}).sort()).toEqual(['a', 's'])
    const path = join(dir, 'struct.parquet')
    await encryptFile(bytes, path, props)
    const file = await ParquetFile.open(path, factory.fileDecryptionProperties({}))
    const x = file.columnEncryption(0, 1)
    const y = file.columnEncryption(0, 2)
    expect(x.kind).toBe('column-key')
    expect(y.kind).toBe('column-key')
    if (x.kind !== 'column-key' || y.kind !== 'column-key') return
    expect(utf8(x.keyMetadata)).toBe(utf8(y.keyMetadata))
    expect(json(x.keyMetadata).masterKeyID).toBe('kc1')
    const sKey = hex(props.columnKeys?.s?.key as Uint8Array)
    expect(hex((await file.columnKey(0, 1)) as Uint8Array)).toBe(sKey)
    expect(hex((await file.columnKey(0, 2)) as Uint8Array)).toBe(sKey)
    expect(hex((await file.columnKey(0, 0)) as Uint8Array)).not.toBe(sKey)
    expect(await readParquet(path, factory.fileDecryptionProperties({}))).toEqual([
      { a: 1, s: { x: 5, y: 9 } },
      { a: 2, s: { x: 6, y: 10 } },
      { a: 3, s: { x: 7, y: 11 } },
      { a: 4, s: { x: 8, y: 12 } },
    ])
  })

  it('the same through writeParquet: a VARIANT group name covers both of its leaves', async () => {
    const factory = new CryptoFactory(new TestKms().factory)
    const props = await factory.fileEncryptionProperties({}, { footerKey: 'kf', columnKeys: { kc1: ['v'] } })
    const path = join(dir, 'variant.parquet')
    const data = [{ k: 1 }, 'text', 7]
    await writeParquet(
      path,
      {
        columns: [
          { name: 'n', data: [1, 2, 3] },
          { name: 'v', data, type: 'VARIANT' },
        ],
      },
      { encryption: props },
    )
    const file = await ParquetFile.open(path, factory.fileDecryptionProperties({}))
    expect(file.leaves.map((leaf) => leaf.dotPath)).toEqual(['n', 'v.metadata', 'v.value'])
    expect(file.columnEncryption(0, 0).kind).toBe('plaintext')
    const vKey = hex(props.columnKeys?.v?.key as Uint8Array)
    expect(hex((await file.columnKey(0, 1)) as Uint8Array)).toBe(vKey)
    expect(hex((await file.columnKey(0, 2)) as Uint8Array)).toBe(vKey)
    expect((await readParquet(path, factory.fileDecryptionProperties({}))).map((row) => row.v)).toEqual(data)
  })
})
