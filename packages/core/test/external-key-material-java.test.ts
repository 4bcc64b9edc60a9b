import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KmsError, MissingKeyError, UsageError } from '../src/errors.js'
import { CryptoFactory } from '../src/keys/crypto-factory.js'
import { ParquetFile } from '../src/read/parquet-file.js'
import { readParquet } from '../src/read/read-parquet.js'
import { expectPmeError } from './helpers/errors.js'
import { dataPath, skipWithoutData } from './helpers/test-data.js'
import { ascii, MASTER_KEYS, TestKms, unwrapIndependently, utf8 } from './helpers/test-kms.js'

/*
 * The real parquet-java vector (pme-reference §8): external_key_material_java.parquet.encrypted and its
 * _KEY_MATERIAL_FOR_… file, written by parquet-mr 1.12 with InMemoryKMS, double wrapping, external
 * key material. The two files are copied to a temp folder first: the shared folder is never written.
 */

const NAME = 'external_key_material_java.parquet.encrypted'
const MATERIAL = `_KEY_MATERIAL_FOR_${NAME}.json`
const LETTERS = 'abcdefghij'
const EXPECTED = Array.from({ length: 100 }, (_, row) => ({ integers: row, strings: `${LETTERS[row % 10]}${row}` }))

describe.skipIf(skipWithoutData('external key material (parquet-java)'))('external key material (parquet-java)', () => {
  let dir: string
  let path: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pme-java-external-'))
    path = join(dir, NAME)
    await copyFile(dataPath(NAME), path)
    await copyFile(dataPath(MATERIAL), join(dir, MATERIAL))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('reads 100 rows with CryptoFactory.fileDecryptionProperties({}, {}, path) and an InMemoryKMS', async () => {
    const kms = new TestKms(MASTER_KEYS)
    const factory = new CryptoFactory(kms.factory)
    const rows = await readParquet(path, factory.fileDecryptionProperties({}, {}, path))
    expect(rows).toHaveLength(100)
    expect(rows).toEqual(EXPECTED)
    // Three master keys, three KEKs: one unwrap each.
    expect([kms.count('unwrap', 'kf'), kms.count('unwrap', 'kc1'), kms.count('unwrap', 'kc2')]).toEqual([1, 1, 1])
    expect(kms.wraps).toBe(0)
    // The KMS instance comes from the footer key material: DEFAULT.
    expect(kms.clientConfigs.map((c) => [c.kmsInstanceId, c.kmsInstanceUrl])).toEqual([['DEFAULT', 'DEFAULT']])
  })

  it('the file holds external references; integers is columnKey0 (kc1), strings columnKey1 (kc2)', async () => {
    const factory = new CryptoFactory(new TestKms().factory)
    const file = await ParquetFile.open(path, factory.fileDecryptionProperties({}, {}, path))
    expect(JSON.parse(utf8(file.encryption?.footerKeyMetadata))).toEqual({
      keyMaterialType: 'PKMT1',
      internalStorage: false,
      keyReference: 'footerKey',
    })
    const references = file.leaves.map((leaf, i) => {
      const encryption = file.columnEncryption(0, i)
      return [leaf.dotPath, encryption.kind === 'column-key' ? JSON.parse(utf8(encryption.keyMetadata)) : null]
    })
    expect(references).toEqual([
      ['integers', { keyMaterialType: 'PKMT1', internalStorage: false, keyReference: 'columnKey0' }],
      ['strings', { keyMaterialType: 'PKMT1', internalStorage: false, keyReference: 'columnKey1' }],
    ])
  })

  it('its key material unwraps with node:crypto alone, and those keys read the file', async () => {
    const store = JSON.parse(await readFile(join(dir, MATERIAL), 'utf8')) as Record<string, string>
    const entries = Object.fromEntries(Object.entries(store).map(([k, v]) => [k, JSON.parse(v)]))
    expect(entries.footerKey).toMatchObject({ masterKeyID: 'kf', isFooterKey: true, doubleWrapping: true })
    expect(entries.columnKey0.masterKeyID).toBe('kc1')
    expect(entries.columnKey1.masterKeyID).toBe('kc2')
    const dek = (reference: string) => unwrapIndependently(entries[reference], MASTER_KEYS).dek
    for (const reference of ['footerKey', 'columnKey0', 'columnKey1']) expect(dek(reference).length).toBe(16)
    const rows = await readParquet(path, {
      footerKey: dek('footerKey'),
      columnKeys: { integers: dek('columnKey0'), strings: dek('columnKey1') },
    })
    expect(rows).toEqual(EXPECTED)
  })

  it('a wrong master key fails with a typed KMS error, and no key bytes in the message', async () => {
    const kms = new TestKms({ ...MASTER_KEYS, kc2: ascii('9999999999999999') })
    const factory = new CryptoFactory(kms.factory)
    // integers alone needs only kf and kc1.
    const integers = await readParquet(path, {
      ...factory.fileDecryptionProperties({}, {}, path),
      columns: ['integers'],
    })
    expect(integers.map((row) => row.integers)).toEqual(EXPECTED.map((row) => row.integers))
    const error = await readParquet(path, factory.fileDecryptionProperties({}, {}, path)).catch((e: unknown) => e)
    expectPmeError(error, KmsError, 'PME_KMS', { file: path, column: 'strings' })
  })

  it('without the path, or without the material file, the read fails with a typed error', async () => {
    const factory = new CryptoFactory(new TestKms().factory)
    const noPath = await readParquet(path, factory.fileDecryptionProperties({})).catch((e: unknown) => e)
    expectPmeError(noPath, UsageError, 'PME_USAGE', { file: path })
    const alone = join(dir, 'alone.parquet.encrypted')
    await copyFile(path, alone)
    const noMaterial = await readParquet(alone, factory.fileDecryptionProperties({}, {}, alone)).catch(
      (e: unknown) => e,
    )
    expectPmeError(noMaterial, MissingKeyError, 'PME_MISSING_KEY', { file: alone })
  })

  it('rotating its master keys (in the temp copy) keeps the Parquet bytes and reads with the new keys only', async () => {
    const rotated = join(dir, 'rotated.parquet.encrypted')
    await copyFile(path, rotated)
    await copyFile(join(dir, MATERIAL), join(dir, '_KEY_MATERIAL_FOR_rotated.parquet.encrypted.json'))
    const newKeys = { kf: ascii('fedcba9876543210'), kc1: ascii('0000111122223333'), kc2: ascii('4444555566667777') }
    const kms = new TestKms(MASTER_KEYS)
    kms.addVersions(newKeys)
    const before = await readFile(rotated)
    await new CryptoFactory(kms.factory).rotateMasterKeys({}, rotated)
    expect(Buffer.compare(await readFile(rotated), before)).toBe(0)
    const reader = new CryptoFactory(new TestKms(newKeys).factory)
    expect(await readParquet(rotated, reader.fileDecryptionProperties({}, {}, rotated))).toEqual(EXPECTED)
    // The original copy still needs the old keys.
    const error = await readParquet(path, reader.fileDecryptionProperties({}, {}, path)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KmsError)
  })
})
