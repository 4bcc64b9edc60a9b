import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CryptoFactory, InvalidKeyError, KmsError, readParquet, writeParquet } from '@pme/core'
import { afterAll, describe, expect, it } from 'vitest'
import { LocalKms, localKmsClientFactory } from '../src/index.js'
import { ascii, b64, caught, DEK, KEY_LIST, KF, referenceUnwrap } from './helpers.js'

/* Master key versions: rotation keeps old versions for unwrapping and wraps with the newest. */

const KF_V2 = ascii('kf-version-two!!')
const KC1_V2 = ascii('kc1-version-two!')
const NEW_KEY_LIST = `kf: ${b64(KF_V2)}, kc1: ${b64(KC1_V2)}`

describe('LocalKms.rotate', () => {
  it('keeps keys wrapped before the rotation unwrappable', () => {
    const kms = new LocalKms(KEY_LIST)
    const before = kms.wrap(DEK, 'kf')
    kms.rotate(NEW_KEY_LIST)
    expect(kms.unwrap(before, 'kf')).toEqual(DEK)
  })

  it('wraps with the new version afterwards', () => {
    const kms = new LocalKms(KEY_LIST)
    kms.rotate(NEW_KEY_LIST)
    const after = kms.wrap(DEK, 'kf')
    expect(referenceUnwrap(after, KF_V2, 'kf')).toEqual(DEK)
    expect(() => referenceUnwrap(after, KF, 'kf')).toThrow()
    expect(kms.unwrap(after, 'kf')).toEqual(DEK)
  })

  it('wraps after rotation that a KMS with only the old key list cannot unwrap', async () => {
    const kms = new LocalKms(KEY_LIST)
    kms.rotate(NEW_KEY_LIST)
    const error = await caught(() => new LocalKms(KEY_LIST).unwrap(kms.wrap(DEK, 'kc1'), 'kc1'))
    expect(error).toBeInstanceOf(KmsError)
    expect(error.message).toContain('cannot unwrap with any version of master key "kc1"')
  })

  it('counts versions; ids not in the new list keep theirs; new ids are added', () => {
    const kms = new LocalKms(KEY_LIST)
    expect(kms.versionCount('kf')).toBe(1)
    kms.rotate(`${NEW_KEY_LIST}, knew: ${b64(ascii('a brand new key!'))}`)
    expect(kms.versionCount('kf')).toBe(2)
    expect(kms.versionCount('kc1')).toBe(2)
    expect(kms.versionCount('kc2')).toBe(1)
    expect(kms.versionCount('knew')).toBe(1)
    expect(kms.versionCount('unknown')).toBe(0)
    expect(kms.masterKeyIds()).toEqual(['kf', 'kc1', 'kc2', 'knew'])
  })

  it('adds no version when a key equals the current one (a repeated rotation is harmless)', () => {
    const kms = new LocalKms(KEY_LIST)
    kms.rotate(KEY_LIST)
    expect(kms.versionCount('kf')).toBe(1)
    kms.rotate(NEW_KEY_LIST)
    kms.rotate(NEW_KEY_LIST)
    expect(kms.versionCount('kf')).toBe(2)
  })

  it('unwraps keys of every version after several rotations', () => {
    const kms = new LocalKms(`kf: ${b64(KF)}`)
    const wrapped = [kms.wrap(DEK, 'kf')]
    for (const text of ['kf-version-two!!', 'kf-version-three', 'kf-version-four!']) {
      kms.rotate(`kf: ${b64(ascii(text))}`)
      wrapped.push(kms.wrap(DEK, 'kf'))
    }
    expect(kms.versionCount('kf')).toBe(4)
    for (const each of wrapped) expect(kms.unwrap(each, 'kf')).toEqual(DEK)
  })

  it('leaves the KMS unchanged when the new key list is invalid', async () => {
    const kms = new LocalKms(KEY_LIST)
    const error = await caught(() => kms.rotate(`kf: ${b64(KF_V2)}, kc1: ${b64(ascii('too short'))}`))
    expect(error).toBeInstanceOf(InvalidKeyError)
    expect(kms.versionCount('kf')).toBe(1)
    expect(referenceUnwrap(kms.wrap(DEK, 'kf'), KF, 'kf')).toEqual(DEK)
  })
})

describe('rotation through CryptoFactory (external key material)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pme-kms-local-rotation-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('re-wraps a file so that only the new master keys are needed to read it', async () => {
    const path = join(dir, 'rotate.parquet.encrypted')
    const kms = new LocalKms(KEY_LIST)
    const factory = new CryptoFactory(localKmsClientFactory(kms))
    const encryption = await factory.fileEncryptionProperties(
      {},
      { footerKey: 'kf', columnKeys: { kc1: ['ssn'] }, internalKeyMaterial: false },
      path,
    )
    const data = { rows: [{ id: 1, ssn: '123-45-6789' }] }
    await writeParquet(path, data, { encryption })
    const materialPath = join(dir, '_KEY_MATERIAL_FOR_rotate.parquet.encrypted.json')
    const before = readFileSync(materialPath, 'utf8')

    kms.rotate(NEW_KEY_LIST)
    await factory.rotateMasterKeys({}, path)
    expect(readFileSync(materialPath, 'utf8')).not.toEqual(before)

    const onlyNew = new LocalKms(NEW_KEY_LIST)
    const reader = new CryptoFactory(localKmsClientFactory(onlyNew))
    expect(await readParquet(path, reader.fileDecryptionProperties({}, {}, path))).toEqual(data.rows)
  })
})
