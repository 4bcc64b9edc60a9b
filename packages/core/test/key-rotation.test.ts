import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { KmsError } from '../src/errors.js'
import { CryptoFactory } from '../src/keys/crypto-factory.js'
import type { EncryptionConfiguration } from '../src/keys/encryption-configuration.js'
import { readParquet } from '../src/read/read-parquet.js'
import { writeParquet } from '../src/write/parquet-writer.js'
import {
  ascii,
  footerOffset,
  gcmUnwrap,
  MASTER_KEYS,
  magic,
  TestKms,
  unwrapIndependently,
  utf8,
} from './helpers/test-kms.js'

/*
 * Master key rotation (pme-reference §6 "Key rotation"): data keys are re-wrapped with the newest
 * master key versions; the DEKs never change. External material: only the material file changes.
 * Material in the file (beyond the references): only the footer region changes. A failure at any
 * point leaves the old file and material readable, and no temp file behind.
 */

// Rename failures on demand; otherwise the real node:fs/promises.
const fsControl = vi.hoisted(() => ({ failRename: false, renames: 0 }))
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>()
  return {
    ...actual,
    rename: async (from: string, to: string) => {
      fsControl.renames++
      if (fsControl.failRename) throw Object.assign(new Error('EIO: injected rename failure'), { code: 'EIO' })
      return actual.rename(from, to)
    },
  }
})

const NEW_KEYS: Readonly<Record<string, Uint8Array>> = {
  kf: ascii('newfooterkey0001'),
  kc1: ascii('newcolumnkey0001'),
  kc2: ascii('newcolumnkey0002'),
}
const ROWS = Array.from({ length: 20 }, (_, i) => ({ a: i, b: `s${i}`, c: i / 4, d: i % 3 === 0 }))
const COLUMN_KEYS = { kc1: ['a', 'b'], kc2: ['c'] }

let dir: string
let counter = 0
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pme-rotation-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})
afterEach(() => {
  fsControl.failRename = false
})

const materialPathOf = (path: string) => join(dir, `_KEY_MATERIAL_FOR_${path.split('/').pop()}.json`)

interface Written {
  path: string
  kms: TestKms
  factory: CryptoFactory
}

/** A file written with the old master keys (a KMS that has only them); the KMS then gets new versions. */
async function writeWithOldKeys(config: Partial<EncryptionConfiguration>, rotateKms = true): Promise<Written> {
  const kms = new TestKms(MASTER_KEYS)
  const factory = new CryptoFactory(kms.factory)
  const path = join(dir, `file${counter++}.parquet`)
  const encryption = await factory.fileEncryptionProperties(
    {},
    { footerKey: 'kf', columnKeys: COLUMN_KEYS, ...config },
    path,
  )
  await writeParquet(path, { rows: ROWS }, { encryption })
  if (rotateKms) kms.addVersions(NEW_KEYS)
  return { path, kms, factory }
}

/** Reads with a fresh factory over a KMS holding only `keys`. */
function readWith(keys: Readonly<Record<string, Uint8Array>>, path: string) {
  return readParquet(path, new CryptoFactory(new TestKms(keys).factory).fileDecryptionProperties({}, {}, path))
}

async function filesIn(): Promise<string[]> {
  return (await readdir(dir)).sort()
}

describe.each([
  { doubleWrapping: true, label: 'double wrapping' },
  { doubleWrapping: false, label: 'single wrapping' },
])('external key material ($label)', ({ doubleWrapping }) => {
  it('re-wraps into the material file only; the DEKs stay, the new versions read it', async () => {
    const { path, factory } = await writeWithOldKeys({ internalKeyMaterial: false, doubleWrapping })
    const parquetBefore = await readFile(path)
    const materialBefore = await readFile(materialPathOf(path), 'utf8')

    // Before rotation a KMS that has only the new versions cannot read the file.
    await expect(readWith(NEW_KEYS, path)).rejects.toBeInstanceOf(KmsError)

    await factory.rotateMasterKeys({}, path, { doubleWrapping })

    expect(Buffer.compare(await readFile(path), parquetBefore)).toBe(0)
    const materialAfter = await readFile(materialPathOf(path), 'utf8')
    expect(materialAfter).not.toBe(materialBefore)
    const before = JSON.parse(materialBefore) as Record<string, string>
    const after = JSON.parse(materialAfter) as Record<string, string>
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort())
    expect(Object.keys(after).sort()).toEqual(['columnKey0', 'columnKey1', 'columnKey2', 'footerKey'])
    for (const reference of Object.keys(before)) {
      const old = JSON.parse(before[reference] as string)
      const rotated = JSON.parse(after[reference] as string)
      expect(rotated.masterKeyID).toBe(old.masterKeyID)
      expect(rotated.isFooterKey).toBe(old.isFooterKey)
      expect(rotated.doubleWrapping).toBe(doubleWrapping)
      expect(rotated.wrappedDEK).not.toBe(old.wrappedDEK)
      // Same DEK, now wrapped with the new version only.
      const oldDek = unwrapIndependently(old, MASTER_KEYS).dek
      expect(Buffer.from(unwrapIndependently(rotated, NEW_KEYS).dek).equals(Buffer.from(oldDek))).toBe(true)
      expect(() => unwrapIndependently(rotated, MASTER_KEYS)).toThrow()
    }

    expect(await readWith(NEW_KEYS, path)).toEqual(ROWS)
    expect(await filesIn()).not.toContainEqual(expect.stringMatching(/tmp/i))
  })
})

describe('key material inside the file', () => {
  it.each([
    { plaintextFooter: false, head: 'PARE' },
    { plaintextFooter: true, head: 'PAR1' },
  ])('only the footer region changes (plaintextFooter: $plaintextFooter)', async ({ plaintextFooter, head }) => {
    const { path, factory } = await writeWithOldKeys({ plaintextFooter })
    const before = new Uint8Array(await readFile(path))
    await expect(readWith(NEW_KEYS, path)).rejects.toBeInstanceOf(KmsError)

    await factory.rotateMasterKeys({}, path)

    const after = new Uint8Array(await readFile(path))
    const offset = footerOffset(before)
    expect(Buffer.from(after.subarray(0, offset)).equals(Buffer.from(before.subarray(0, offset)))).toBe(true)
    expect(Buffer.from(after.subarray(offset)).equals(Buffer.from(before.subarray(offset)))).toBe(false)
    expect([magic(after, 'head'), magic(after, 'tail')]).toEqual([head, head])
    expect(await readWith(NEW_KEYS, path)).toEqual(ROWS)
    await expect(readWith(MASTER_KEYS, path)).rejects.toBeInstanceOf(KmsError)
    expect(await filesIn()).not.toContainEqual(expect.stringMatching(/tmp/i))
  })

  it('the footer key metadata names the same master key, wrapped with its new version', async () => {
    const { path, factory } = await writeWithOldKeys({})
    const footerMaterial = async () => {
      const bytes = new Uint8Array(await readFile(path))
      // PARE: FileCryptoMetaData starts the footer region; its key_metadata is the PKMT1 JSON.
      const text = utf8(bytes.subarray(footerOffset(bytes)))
      const match = /\{"keyMaterialType":"PKMT1".*?"wrappedKEK":"[^"]+"\}/.exec(text)
      return JSON.parse(match?.[0] ?? 'null')
    }
    const old = await footerMaterial()
    await factory.rotateMasterKeys({}, path)
    const rotated = await footerMaterial()
    expect(rotated).toMatchObject({ masterKeyID: 'kf', isFooterKey: true, internalStorage: true })
    expect(rotated.keyEncryptionKeyID).not.toBe(old.keyEncryptionKeyID)
    const kek = gcmUnwrap(rotated.wrappedKEK, NEW_KEYS.kf as Uint8Array, ascii('kf'))
    expect(kek.length).toBe(16)
    const oldDek = unwrapIndependently(old, MASTER_KEYS).dek
    expect(Buffer.from(unwrapIndependently(rotated, NEW_KEYS).dek).equals(Buffer.from(oldDek))).toBe(true)
  })
})

describe('files written after a rotation', () => {
  it('use the new master key versions, even within the cache lifetime (the KEK write cache is cleared)', async () => {
    const { path, factory } = await writeWithOldKeys({ internalKeyMaterial: false })
    await factory.rotateMasterKeys({}, path)
    const later = join(dir, `after-rotation${counter++}.parquet`)
    const encryption = await factory.fileEncryptionProperties(
      {},
      { footerKey: 'kf', columnKeys: COLUMN_KEYS, internalKeyMaterial: false },
      later,
    )
    await writeParquet(later, { rows: ROWS }, { encryption })
    expect(await readWith(NEW_KEYS, later)).toEqual(ROWS)
  })
})

describe('crash safety', () => {
  const failSecondWrap = (kms: TestKms) => {
    kms.resetCounts()
    let wraps = 0
    kms.fail = (call) => (call.op === 'wrap' && ++wraps === 2 ? new KmsError('injected failure') : undefined)
  }

  it('external: a KMS failure in the middle leaves the material file as it was', async () => {
    const { path, kms, factory } = await writeWithOldKeys({ internalKeyMaterial: false })
    const files = await filesIn()
    const parquet = await readFile(path)
    const material = await readFile(materialPathOf(path))
    failSecondWrap(kms)
    await expect(factory.rotateMasterKeys({}, path)).rejects.toBeInstanceOf(KmsError)
    expect(kms.wraps).toBe(2) // the footer KEK was re-wrapped, the next master key failed
    expect(Buffer.compare(await readFile(path), parquet)).toBe(0)
    expect(Buffer.compare(await readFile(materialPathOf(path)), material)).toBe(0)
    expect(await readWith(MASTER_KEYS, path)).toEqual(ROWS)
    expect(await filesIn()).toEqual(files)
  })

  it('internal: a KMS failure in the middle leaves the file as it was', async () => {
    const { path, kms, factory } = await writeWithOldKeys({ doubleWrapping: false })
    const files = await filesIn()
    const before = await readFile(path)
    failSecondWrap(kms)
    await expect(factory.rotateMasterKeys({}, path, { doubleWrapping: false })).rejects.toBeInstanceOf(KmsError)
    expect(kms.wraps).toBe(2)
    expect(Buffer.compare(await readFile(path), before)).toBe(0)
    expect(await readWith(MASTER_KEYS, path)).toEqual(ROWS)
    expect(await filesIn()).toEqual(files)
  })

  it.each([
    { internalKeyMaterial: false, label: 'external' },
    { internalKeyMaterial: true, label: 'internal' },
  ])('$label: a failed rename leaves the old file and material, and no temp file', async ({ internalKeyMaterial }) => {
    const { path, factory } = await writeWithOldKeys({ internalKeyMaterial })
    const files = await filesIn()
    const parquet = await readFile(path)
    const material = internalKeyMaterial ? undefined : await readFile(materialPathOf(path))
    fsControl.failRename = true
    const renamesBefore = fsControl.renames
    await expect(factory.rotateMasterKeys({}, path)).rejects.toThrow('injected rename failure')
    expect(fsControl.renames).toBe(renamesBefore + 1)
    fsControl.failRename = false
    expect(Buffer.compare(await readFile(path), parquet)).toBe(0)
    if (material) expect(Buffer.compare(await readFile(materialPathOf(path)), material)).toBe(0)
    expect(await readWith(MASTER_KEYS, path)).toEqual(ROWS)
    expect(await filesIn()).toEqual(files)
  })
})
