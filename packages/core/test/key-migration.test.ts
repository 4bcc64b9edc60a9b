import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  AadPrefixError,
  IntegrityError,
  KmsError,
  MissingKeyError,
  NotEncryptedError,
  PmeError,
} from '../src/errors.js'
import { CryptoFactory } from '../src/keys/crypto-factory.js'
import type { EncryptionConfiguration } from '../src/keys/encryption-configuration.js'
import { type KeyMigrationOptions, migrateKeyMaterial } from '../src/keys/key-migration.js'
import { ParquetFile } from '../src/read/parquet-file.js'
import { readParquet } from '../src/read/read-parquet.js'
import { writeParquet } from '../src/write/parquet-writer.js'
import { ascii, footerOffset, MASTER_KEYS, magic, TestKms, unwrapIndependently, utf8 } from './helpers/test-kms.js'

/*
 * Moving files from one KMS backend to another (migrateKeyMaterial): every data key is unwrapped by
 * the source and wrapped by the target; the data keys and the pages stay. Afterwards the target alone
 * reads every column and the source none; a failure at any step leaves each file readable by one of
 * them, and a re-run skips what moved and finishes the rest.
 */

// File-system steps fail on demand (the Nth mutating call); otherwise the real node:fs/promises.
const fsControl = vi.hoisted(() => ({ failAt: 0, steps: 0 }))
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>()
  const step = <A extends unknown[], R>(call: (...args: A) => Promise<R>) => {
    return async (...args: A): Promise<R> => {
      fsControl.steps++
      if (fsControl.steps === fsControl.failAt) {
        throw Object.assign(new Error('EIO: injected failure'), { code: 'EIO' })
      }
      return call(...args)
    }
  }
  return {
    ...actual,
    copyFile: step(actual.copyFile),
    open: step(actual.open),
    rename: step(actual.rename),
  }
})

/** The target's master keys: other names (through the map) and other bytes. */
const TARGET_KEYS: Readonly<Record<string, Uint8Array>> = {
  tf: ascii('targetfooterkey1'),
  tc1: ascii('targetcolumnkey1'),
  tc2: ascii('targetcolumnkey2'),
}
const MAP = { kf: 'tf', kc1: 'tc1', kc2: 'tc2' }
/** Same names as the source, other bytes: a migration without a map. */
const SAME_NAMES: Readonly<Record<string, Uint8Array>> = {
  kf: ascii('samenamefooter01'),
  kc1: ascii('samenamecolumn01'),
  kc2: ascii('samenamecolumn02'),
}
const TARGET = { kmsInstanceId: 'target-kms', kmsInstanceUrl: 'https://target.example:8200' }
const ROWS = Array.from({ length: 20 }, (_, i) => ({ a: i, b: `s${i}`, c: i / 4, d: i % 3 === 0 }))
const COLUMN_KEYS = { kc1: ['a', 'b'], kc2: ['c'] }
const ENCRYPTED_COLUMNS = ['a', 'b', 'c']

let dir: string
let counter = 0
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pme-migration-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})
afterEach(() => {
  fsControl.failAt = 0
})

interface Setup {
  readonly source: TestKms
  readonly target: TestKms
  readonly options: KeyMigrationOptions
}

function setup(targetKeys = TARGET_KEYS, map: Record<string, string> | null = MAP, extra = {}): Setup {
  const source = new TestKms(MASTER_KEYS)
  const target = new TestKms(targetKeys)
  const options = {
    source: new CryptoFactory(source.factory),
    target: new CryptoFactory(target.factory),
    targetConnection: TARGET,
    ...(map ? { masterKeyMap: map } : {}),
    ...extra,
  }
  return { source, target, options }
}

async function writeWithSource(config: Partial<EncryptionConfiguration>): Promise<string> {
  const path = join(dir, `file${counter++}.parquet`)
  const factory = new CryptoFactory(new TestKms(MASTER_KEYS).factory)
  const encryption = await factory.fileEncryptionProperties(
    {},
    { footerKey: 'kf', columnKeys: COLUMN_KEYS, ...config },
    path,
  )
  await writeParquet(path, { rows: ROWS }, { encryption })
  return path
}

/** Reads with a fresh factory over a KMS holding only `keys`, as a reader configured for it would. */
function readWith(keys: Readonly<Record<string, Uint8Array>>, path: string, columns?: string[]) {
  const connection = keys === MASTER_KEYS ? {} : TARGET
  const properties = new CryptoFactory(new TestKms(keys).factory).fileDecryptionProperties(connection, {}, path)
  return readParquet(path, { ...properties, ...(columns ? { columns } : {}) })
}

const materialPathOf = (path: string) => join(dir, `_KEY_MATERIAL_FOR_${path.split('/').pop()}.json`)

async function materialFile(path: string): Promise<Record<string, Record<string, unknown>>> {
  const store = JSON.parse(await readFile(materialPathOf(path), 'utf8')) as Record<string, string>
  return Object.fromEntries(Object.entries(store).map(([reference, text]) => [reference, JSON.parse(text)]))
}

/** Every key material of a file with internal material (footer key first), read with `keys`. */
async function fileMaterials(path: string, keys: Readonly<Record<string, Uint8Array>>) {
  const connection = keys === MASTER_KEYS ? {} : TARGET
  const properties = new CryptoFactory(new TestKms(keys).factory).fileDecryptionProperties(connection, {}, path)
  const file = await ParquetFile.open(path, properties)
  const metadata = [file.encryption?.footerKeyMetadata as Uint8Array]
  for (const group of file.metadata.row_groups) {
    for (const chunk of group.columns) {
      const keyMetadata = chunk.crypto_metadata?.ENCRYPTION_WITH_COLUMN_KEY?.key_metadata
      if (keyMetadata) metadata.push(keyMetadata)
    }
  }
  return metadata.map((bytes) => JSON.parse(utf8(bytes)) as Record<string, unknown>)
}

/** The target reads every column; the source none of the encrypted ones. */
async function expectOnTargetOnly(path: string, targetKeys = TARGET_KEYS): Promise<void> {
  expect(await readWith(targetKeys, path)).toEqual(ROWS)
  for (const column of ENCRYPTED_COLUMNS) {
    await expect(readWith(MASTER_KEYS, path, [column])).rejects.toBeInstanceOf(PmeError)
  }
}

/** Which single backend reads the whole file: every file must always be readable by exactly one. */
async function readableBy(path: string, targetKeys = TARGET_KEYS): Promise<'source' | 'target'> {
  const bySource = await readWith(MASTER_KEYS, path).then(
    (rows) => rows,
    () => undefined,
  )
  const byTarget = await readWith(targetKeys, path).then(
    (rows) => rows,
    () => undefined,
  )
  expect([bySource, byTarget].filter(Boolean)).toHaveLength(1)
  expect(bySource ?? byTarget).toEqual(ROWS)
  return bySource ? 'source' : 'target'
}

async function noTempFiles(): Promise<void> {
  expect(await readdir(dir)).not.toContainEqual(expect.stringMatching(/tmp/i))
}

describe.each([
  { doubleWrapping: true, label: 'double wrapping' },
  { doubleWrapping: false, label: 'single wrapping' },
])('external key material ($label)', ({ doubleWrapping }) => {
  it('rewrites the material file only: target names and instance, the same DEKs, the Parquet file untouched', async () => {
    const path = await writeWithSource({ internalKeyMaterial: false, doubleWrapping })
    const parquetBefore = await readFile(path)
    const before = await materialFile(path)
    const { options, target } = setup(TARGET_KEYS, MAP, { doubleWrapping })

    const result = await migrateKeyMaterial(path, options)

    expect(result).toEqual({ keyMaterial: 'external', outcome: 'migrated', keys: 4, moved: 4 })
    expect(Buffer.compare(await readFile(path), parquetBefore)).toBe(0)
    const after = await materialFile(path)
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort())
    for (const [reference, old] of Object.entries(before)) {
      const moved = after[reference] as Record<string, unknown>
      expect(moved.masterKeyID).toBe(MAP[old.masterKeyID as keyof typeof MAP])
      expect(moved.doubleWrapping).toBe(doubleWrapping)
      if (moved.isFooterKey) expect([moved.kmsInstanceID, moved.kmsInstanceURL]).toEqual(Object.values(TARGET))
      const dek = unwrapIndependently(moved, TARGET_KEYS).dek
      expect(Buffer.from(dek).equals(Buffer.from(unwrapIndependently(old, MASTER_KEYS).dek))).toBe(true)
    }
    // Double wrapping: one KEK per target master key, created in the target.
    expect(target.wraps).toBe(doubleWrapping ? 3 : 4)
    await expectOnTargetOnly(path)
    await noTempFiles()
  })
})

describe('KMS calls', () => {
  it('the target wraps one KEK per master key for a whole batch of files (its write cache), as writing does', async () => {
    const paths = [
      await writeWithSource({}),
      await writeWithSource({ plaintextFooter: true }),
      await writeWithSource({ internalKeyMaterial: false }),
    ]
    const { options, target } = setup()
    for (const path of paths) expect((await migrateKeyMaterial(path, options)).outcome).toBe('migrated')
    expect(target.wraps).toBe(3)
    expect(['tf', 'tc1', 'tc2'].map((id) => target.count('wrap', id))).toEqual([1, 1, 1])
  })
})

describe('key material inside the file', () => {
  it.each([
    { plaintextFooter: false, doubleWrapping: true, head: 'PARE' },
    { plaintextFooter: true, doubleWrapping: true, head: 'PAR1' },
    { plaintextFooter: false, doubleWrapping: false, head: 'PARE' },
    { plaintextFooter: true, doubleWrapping: false, head: 'PAR1' },
  ])(
    'rewrites the footer only (plaintextFooter: $plaintextFooter, doubleWrapping: $doubleWrapping)',
    async ({ plaintextFooter, doubleWrapping, head }) => {
      const path = await writeWithSource({ plaintextFooter, doubleWrapping })
      const before = new Uint8Array(await readFile(path))
      const materialsBefore = await fileMaterials(path, MASTER_KEYS)
      const { options } = setup(TARGET_KEYS, MAP, { doubleWrapping })

      expect(await migrateKeyMaterial(path, options)).toEqual({
        keyMaterial: 'internal',
        outcome: 'migrated',
        keys: 4,
        moved: 4,
      })

      const after = new Uint8Array(await readFile(path))
      // The pages (everything before the footer region) are the same bytes at the same offsets.
      const offset = footerOffset(before)
      expect(footerOffset(after)).toBe(offset)
      expect(Buffer.from(after.subarray(0, offset)).equals(Buffer.from(before.subarray(0, offset)))).toBe(true)
      expect([magic(after, 'head'), magic(after, 'tail')]).toEqual([head, head])
      const materialsAfter = await fileMaterials(path, TARGET_KEYS)
      expect(materialsAfter.map((m) => m.masterKeyID).sort()).toEqual(['tc1', 'tc1', 'tc2', 'tf'])
      const oldDeks = materialsBefore.map((m) => Buffer.from(unwrapIndependently(m, MASTER_KEYS).dek).toString('hex'))
      const newDeks = materialsAfter.map((m) => Buffer.from(unwrapIndependently(m, TARGET_KEYS).dek).toString('hex'))
      expect(newDeks.sort()).toEqual(oldDeks.sort())
      // A plaintext footer is signed again: a reader that checks the signature with the target reads it.
      await expectOnTargetOnly(path)
      await noTempFiles()
    },
  )
})

describe('other layouts', () => {
  it('uniform encryption: the footer key is the only data key', async () => {
    const path = await writeWithSource({ uniformEncryption: true, columnKeys: undefined })
    expect(await migrateKeyMaterial(path, setup().options)).toMatchObject({ outcome: 'migrated', keys: 1, moved: 1 })
    expect(await readWith(TARGET_KEYS, path)).toEqual(ROWS)
    await expect(readWith(MASTER_KEYS, path)).rejects.toBeInstanceOf(PmeError)
  })

  it('an AAD prefix the file does not store is supplied, and stays unstored', async () => {
    const path = await writeWithSource({ aadPrefix: 'table-7', storeAadPrefix: false })
    await expect(migrateKeyMaterial(path, setup().options)).rejects.toBeInstanceOf(AadPrefixError)
    expect(await migrateKeyMaterial(path, { ...setup().options, aadPrefix: 'table-7' })).toMatchObject({
      outcome: 'migrated',
    })
    const properties = new CryptoFactory(new TestKms(TARGET_KEYS).factory).fileDecryptionProperties(TARGET, {}, path)
    await expect(readParquet(path, properties)).rejects.toBeInstanceOf(AadPrefixError)
    expect(await readParquet(path, { ...properties, aadPrefix: 'table-7' })).toEqual(ROWS)
  })
})

describe('idempotency', () => {
  it.each([
    { internalKeyMaterial: true, label: 'internal' },
    { internalKeyMaterial: false, label: 'external' },
  ])('$label: a second run finds every key on the target and writes nothing', async ({ internalKeyMaterial }) => {
    const path = await writeWithSource({ internalKeyMaterial })
    const { options, target, source } = setup()
    await migrateKeyMaterial(path, options)
    const parquet = await readFile(path)
    const material = internalKeyMaterial ? undefined : await readFile(materialPathOf(path))
    target.resetCounts()
    source.resetCounts()

    const again = await migrateKeyMaterial(path, options)

    expect(again).toMatchObject({ outcome: 'already-migrated', moved: 0, keys: 4 })
    expect(target.wraps).toBe(0)
    expect(target.unwraps).toBeGreaterThan(0) // recognised by unwrapping with the target
    expect(source.unwraps).toBe(0)
    expect(Buffer.compare(await readFile(path), parquet)).toBe(0)
    if (material) expect(Buffer.compare(await readFile(materialPathOf(path)), material)).toBe(0)
  })

  it('without a map (same master key names in both backends) the target still tells what moved', async () => {
    const path = await writeWithSource({ internalKeyMaterial: false })
    const { options } = setup(SAME_NAMES, null)
    expect(await migrateKeyMaterial(path, options)).toMatchObject({ outcome: 'migrated', moved: 4 })
    await expectOnTargetOnly(path, SAME_NAMES)
    expect(await migrateKeyMaterial(path, options)).toMatchObject({ outcome: 'already-migrated', moved: 0 })
  })

  it("a moved file the target refuses is not moved again: the error gives both backends' answers", async () => {
    const path = await writeWithSource({ internalKeyMaterial: false })
    const { options, target } = setup()
    await migrateKeyMaterial(path, options)
    const material = await readFile(materialPathOf(path))
    target.deny = () => true
    const error = await migrateKeyMaterial(path, { ...options, target: new CryptoFactory(target.factory) }).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(KmsError)
    expect((error as PmeError).message).toMatch(
      /unknown master key "tf".*; the target: access to master key "tf" denied/,
    )
    expect(target.wraps).toBe(3) // the first migration's KEKs only
    expect(Buffer.compare(await readFile(materialPathOf(path)), material)).toBe(0)
  })

  it('a dry run unwraps every key with the source, wraps nothing, writes nothing', async () => {
    const path = await writeWithSource({})
    const before = await readFile(path)
    const { options, target, source } = setup(TARGET_KEYS, MAP, { dryRun: true })
    expect(await migrateKeyMaterial(path, options)).toMatchObject({ outcome: 'would-migrate', moved: 4 })
    expect(target.wraps).toBe(0)
    expect(source.unwraps).toBeGreaterThan(0)
    expect(Buffer.compare(await readFile(path), before)).toBe(0)
  })

  it('a file the source cannot unwrap fails with a typed error naming it, and is not written', async () => {
    const path = await writeWithSource({})
    const before = await readFile(path)
    const { options } = setup()
    const wrongSource = { ...options, source: new CryptoFactory(new TestKms(SAME_NAMES).factory) }
    const error = await migrateKeyMaterial(path, wrongSource).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KmsError)
    expect((error as PmeError).message).toContain(path)
    expect(Buffer.compare(await readFile(path), before)).toBe(0)
  })
})

describe('files it cannot migrate', () => {
  it('a plaintext file and a file with explicit keys fail as that file only (not usage errors)', async () => {
    const plain = join(dir, `plain${counter++}.parquet`)
    await writeParquet(plain, { rows: ROWS })
    const { options } = setup()
    await expect(migrateKeyMaterial(plain, options)).rejects.toBeInstanceOf(NotEncryptedError)
    const explicit = join(dir, `explicit${counter++}.parquet`)
    const footerKey = { key: ascii('0123456789012345'), keyMetadata: ascii('kf') }
    await writeParquet(explicit, { rows: ROWS }, { encryption: { footerKey, plaintextFooter: true } })
    const error = await migrateKeyMaterial(explicit, options).catch((e: unknown) => e)
    // Its footer signature cannot be checked without the key tools: refused before anything is signed again.
    expect(error).toBeInstanceOf(MissingKeyError)
    expect((error as PmeError).message).toContain(explicit)
  })

  it('a plaintext footer that fails its signature check is refused, not signed again', async () => {
    const path = await writeWithSource({ plaintextFooter: true })
    const bytes = new Uint8Array(await readFile(path))
    bytes[bytes.length - 9] = (bytes[bytes.length - 9] as number) ^ 1 // the signature's tag, before length and magic
    await writeFile(path, bytes)
    await expect(migrateKeyMaterial(path, setup().options)).rejects.toBeInstanceOf(IntegrityError)
    expect(Buffer.compare(await readFile(path), bytes)).toBe(0)
  })
})

describe('crash safety: a failure at every step', () => {
  /** Two files, one per kind of key material, migrated in turn as a batch would. */
  async function writeBoth(): Promise<string[]> {
    return [await writeWithSource({ plaintextFooter: true }), await writeWithSource({ internalKeyMaterial: false })]
  }

  async function migrateAll(paths: string[], options: KeyMigrationOptions) {
    const outcomes: string[] = []
    for (const path of paths) outcomes.push((await migrateKeyMaterial(path, options)).outcome)
    return outcomes
  }

  it('file-system steps: each file readable by the source or the target; a re-run skips and finishes', async () => {
    // Count the steps of an undisturbed migration, then fail each of them in turn.
    const { options } = setup()
    const paths = await writeBoth()
    fsControl.steps = 0
    await migrateAll(paths, options)
    const steps = fsControl.steps
    expect(steps).toBeGreaterThanOrEqual(5) // internal: copy, open, rename; external: open, rename

    for (let failAt = 1; failAt <= steps; failAt++) {
      const files = await writeBoth()
      fsControl.steps = 0
      fsControl.failAt = failAt
      await expect(migrateAll(files, options)).rejects.toThrow('injected failure')
      fsControl.failAt = 0
      const states = []
      for (const file of files) states.push(await readableBy(file))
      await noTempFiles()

      const outcomes = await migrateAll(files, options)
      // The files that had moved are skipped, the others finish.
      expect(outcomes).toEqual(states.map((state) => (state === 'target' ? 'already-migrated' : 'migrated')))
      for (const file of files) await expectOnTargetOnly(file)
    }
  })

  it('target KMS calls: a failure at each wrap leaves the file with the source, and a re-run finishes', async () => {
    for (const doubleWrapping of [true, false]) {
      const { options, target } = setup(TARGET_KEYS, MAP, { doubleWrapping })
      const wrapsPerFile = doubleWrapping ? 3 : 4
      for (let failAt = 1; failAt <= wrapsPerFile; failAt++) {
        const files = await writeBoth()
        // A fresh target factory each time: cached KEKs would spare the calls being failed.
        const fresh = { ...options, target: new CryptoFactory(target.factory) }
        let wraps = 0
        target.fail = (call) =>
          call.op === 'wrap' && ++wraps === failAt ? new KmsError('injected failure') : undefined
        await expect(migrateAll(files, fresh)).rejects.toBeInstanceOf(KmsError)
        target.fail = undefined
        expect(await readableBy(files[0] as string)).toBe('source')
        expect(await readableBy(files[1] as string)).toBe('source')
        expect(await migrateAll(files, fresh)).toEqual(['migrated', 'migrated'])
        for (const file of files) await expectOnTargetOnly(file)
      }
    }
  })
})
