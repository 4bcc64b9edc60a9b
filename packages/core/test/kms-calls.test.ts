import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KmsError } from '../src/errors.js'
import { CryptoFactory } from '../src/keys/crypto-factory.js'
import type { EncryptionConfiguration } from '../src/keys/encryption-configuration.js'
import { TokenCache } from '../src/keys/expiring-cache.js'
import type { KmsConnectionConfig } from '../src/keys/kms-client.js'
import { readParquet } from '../src/read/read-parquet.js'
import { writeParquet } from '../src/write/parquet-writer.js'
import { FakeClock, TestKms, utf8 } from './helpers/test-kms.js'

/*
 * How often the key tools call the KMS (pme-reference §6 "Caches"; the acceptance test): with
 * double wrapping one wrap per master key per token per cache lifetime, however many files and columns;
 * one unwrap per KEK when reading; single flight under concurrency; failures never cached.
 */

const CONFIG: EncryptionConfiguration = { footerKey: 'kf', columnKeys: { kc1: ['a', 'b'], kc2: ['c'] } }
const rowsOf = (file: number) =>
  Array.from({ length: 3 }, (_, i) => ({ a: file * 10 + i, b: `b${file}.${i}`, c: i * 0.5, d: i }))

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pme-kms-calls-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

let fileCounter = 0
async function writeOne(
  factory: CryptoFactory,
  options: { config?: EncryptionConfiguration; kms?: Partial<KmsConnectionConfig>; index?: number } = {},
): Promise<{ path: string; index: number }> {
  const index = options.index ?? fileCounter
  const path = join(dir, `f${fileCounter++}.parquet`)
  const encryption = await factory.fileEncryptionProperties(options.kms ?? {}, options.config ?? CONFIG)
  await writeParquet(path, { rows: rowsOf(index) }, { encryption })
  return { path, index }
}

async function readOne(
  factory: CryptoFactory,
  file: { path: string; index: number },
  kms: Partial<KmsConnectionConfig> = {},
  lifetime?: number,
): Promise<void> {
  const config = lifetime === undefined ? {} : { cacheLifetimeSeconds: lifetime }
  expect(await readParquet(file.path, factory.fileDecryptionProperties(kms, config))).toEqual(rowsOf(file.index))
}

describe('double wrapping: one KMS call per master key per cache lifetime', () => {
  const kms = new TestKms()
  const files: { path: string; index: number }[] = []

  it('writing 100 files one after another makes exactly 3 wrap calls (footer key + 2 column keys)', async () => {
    const factory = new CryptoFactory(kms.factory)
    for (let i = 0; i < 100; i++) files.push(await writeOne(factory, { index: i }))
    expect(kms.wraps).toBe(3)
    expect([kms.count('wrap', 'kf'), kms.count('wrap', 'kc1'), kms.count('wrap', 'kc2')]).toEqual([1, 1, 1])
    expect(kms.unwraps).toBe(0)
    expect(kms.clientConfigs).toHaveLength(1)
  })

  it('reading the 100 files makes exactly 3 unwrap calls', async () => {
    kms.resetCounts()
    const reader = new CryptoFactory(kms.factory)
    for (const file of files) await readOne(reader, file)
    expect(kms.unwraps).toBe(3)
    expect([kms.count('unwrap', 'kf'), kms.count('unwrap', 'kc1'), kms.count('unwrap', 'kc2')]).toEqual([1, 1, 1])
    expect(kms.wraps).toBe(0)
  })

  it('100 files written concurrently make 3 wrap calls; reading them concurrently makes 3 unwrap calls', async () => {
    const concurrentKms = new TestKms()
    concurrentKms.delayMs = 5
    const factory = new CryptoFactory(concurrentKms.factory)
    const written = await Promise.all(Array.from({ length: 100 }, (_, i) => writeOne(factory, { index: i })))
    expect(concurrentKms.wraps).toBe(3)
    const reader = new CryptoFactory(concurrentKms.factory)
    await Promise.all(written.map((file) => readOne(reader, file)))
    expect(concurrentKms.unwraps).toBe(3)
    expect(concurrentKms.clientConfigs).toHaveLength(2) // one client per factory (cache), not per file
  })
})

describe('cache lifetime, flushing and tokens', () => {
  it('after the cache lifetime passes, writes and reads call the KMS again', async () => {
    const kms = new TestKms()
    const clock = new FakeClock()
    const factory = new CryptoFactory(kms.factory, clock.read)
    const config = { ...CONFIG, cacheLifetimeSeconds: 100 }
    const first = await writeOne(factory, { config })
    expect(kms.wraps).toBe(3)
    clock.advanceSeconds(99)
    await writeOne(factory, { config })
    expect(kms.wraps).toBe(3)
    clock.advanceSeconds(2)
    const third = await writeOne(factory, { config })
    expect(kms.wraps).toBe(6)

    await readOne(factory, first, {}, 100)
    expect(kms.unwraps).toBe(3)
    await readOne(factory, first, {}, 100)
    expect(kms.unwraps).toBe(3)
    await readOne(factory, third, {}, 100) // third's KEKs are new ones: 3 more
    expect(kms.unwraps).toBe(6)
    clock.advanceSeconds(101)
    await readOne(factory, first, {}, 100)
    expect(kms.unwraps).toBe(9)
  })

  it('the default lifetime is 600 seconds', async () => {
    const kms = new TestKms()
    const clock = new FakeClock()
    const factory = new CryptoFactory(kms.factory, clock.read)
    const file = await writeOne(factory)
    await readOne(factory, file)
    clock.advanceSeconds(599)
    await writeOne(factory)
    await readOne(factory, file)
    expect([kms.wraps, kms.unwraps]).toEqual([3, 3])
    clock.advanceSeconds(2)
    await writeOne(factory)
    await readOne(factory, file)
    expect([kms.wraps, kms.unwraps]).toEqual([6, 6])
  })

  it('removeCacheEntriesForToken(token) makes the next calls go to the KMS; other tokens keep theirs', async () => {
    const kms = new TestKms()
    const factory = new CryptoFactory(kms.factory)
    const alice = { keyAccessToken: 'alice' }
    const bob = { keyAccessToken: 'bob' }
    const aliceFile = await writeOne(factory, { kms: alice })
    await writeOne(factory, { kms: bob })
    await readOne(factory, aliceFile, alice)
    expect([kms.wraps, kms.unwraps]).toEqual([6, 3])

    factory.removeCacheEntriesForToken('bob')
    await writeOne(factory, { kms: alice })
    await readOne(factory, aliceFile, alice)
    expect([kms.wraps, kms.unwraps]).toEqual([6, 3])

    factory.removeCacheEntriesForToken('alice')
    await writeOne(factory, { kms: alice })
    await readOne(factory, aliceFile, alice)
    expect([kms.wraps, kms.unwraps]).toEqual([9, 6])

    factory.removeCacheEntriesForAllTokens()
    await writeOne(factory, { kms: bob })
    expect(kms.wraps).toBe(12)
  })

  it('different access tokens do not share cached KEKs', async () => {
    const kms = new TestKms()
    const factory = new CryptoFactory(kms.factory)
    const aliceProps = await factory.fileEncryptionProperties({ keyAccessToken: 'alice' }, CONFIG)
    const bobProps = await factory.fileEncryptionProperties({ keyAccessToken: 'bob' }, CONFIG)
    expect(kms.calls.map((call) => `${call.op}:${call.masterKeyId}:${call.token}`).sort()).toEqual([
      'wrap:kc1:alice',
      'wrap:kc1:bob',
      'wrap:kc2:alice',
      'wrap:kc2:bob',
      'wrap:kf:alice',
      'wrap:kf:bob',
    ])
    const kekId = (metadata: Uint8Array | undefined) => JSON.parse(utf8(metadata)).keyEncryptionKeyID
    expect(kekId(bobProps.footerKey.keyMetadata)).not.toBe(kekId(aliceProps.footerKey.keyMetadata))

    // A KEK alice unwrapped is not served to bob: bob's read asks the KMS with bob's token.
    const file = await writeOne(factory, { kms: { keyAccessToken: 'alice' } })
    kms.resetCounts()
    await readOne(factory, file, { keyAccessToken: 'alice' })
    await readOne(factory, file, { keyAccessToken: 'bob' })
    expect(kms.calls.map((call) => call.token)).toEqual(['alice', 'alice', 'alice', 'bob', 'bob', 'bob'])
  })

  it('KMS clients are created once per token and instance', async () => {
    const kms = new TestKms()
    const factory = new CryptoFactory(kms.factory)
    for (let i = 0; i < 3; i++) await writeOne(factory, { kms: { keyAccessToken: 'alice' } })
    await writeOne(factory, { kms: { keyAccessToken: 'bob' } })
    await writeOne(factory, { kms: { keyAccessToken: 'bob', kmsInstanceId: 'other' } })
    expect(kms.clientConfigs.map((c) => `${c.keyAccessToken}@${c.kmsInstanceId}`)).toEqual([
      'alice@DEFAULT',
      'bob@DEFAULT',
      'bob@other',
    ])
  })
})

describe('single wrapping', () => {
  it('makes one wrap per data key, and one unwrap per data key when reading', async () => {
    const kms = new TestKms()
    const factory = new CryptoFactory(kms.factory)
    const config = { ...CONFIG, doubleWrapping: false }
    const files = []
    for (let i = 0; i < 10; i++) files.push(await writeOne(factory, { config, index: i }))
    // Per file: the footer key and the DEKs of a, b (kc1) and c (kc2).
    expect([kms.count('wrap', 'kf'), kms.count('wrap', 'kc1'), kms.count('wrap', 'kc2')]).toEqual([10, 20, 10])
    for (const file of files) await readOne(factory, file)
    expect([kms.count('unwrap', 'kf'), kms.count('unwrap', 'kc1'), kms.count('unwrap', 'kc2')]).toEqual([10, 20, 10])
  })
})

describe('concurrency and failures', () => {
  it('N concurrent requests for the same KEK make one KMS call (single flight)', async () => {
    const kms = new TestKms()
    kms.delayMs = 10
    const factory = new CryptoFactory(kms.factory)
    const uniform = { footerKey: 'kf', uniformEncryption: true }
    const all = await Promise.all(Array.from({ length: 50 }, () => factory.fileEncryptionProperties({}, uniform)))
    expect(kms.wraps).toBe(1)
    const metadata = all[0]?.footerKey.keyMetadata as Uint8Array
    const reader = new CryptoFactory(kms.factory)
    const keys = await Promise.all(Array.from({ length: 50 }, () => reader.fileKeyUnwrapper({}).unwrap(metadata)))
    expect(kms.unwraps).toBe(1)
    for (const key of keys) expect(Buffer.from(key).equals(Buffer.from(all[0]?.footerKey.key as Uint8Array))).toBe(true)
  })

  it('a failed wrap is shared by the callers waiting on it, not cached: the next call retries', async () => {
    const kms = new TestKms()
    kms.delayMs = 10
    kms.fail = (call) => (call.index === 1 ? new KmsError('throttled') : undefined)
    const factory = new CryptoFactory(kms.factory)
    const uniform = { footerKey: 'kf', uniformEncryption: true }
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => factory.fileEncryptionProperties({}, uniform)),
    )
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof KmsError)).toBe(true)
    expect(kms.wraps).toBe(1)
    await factory.fileEncryptionProperties({}, uniform)
    expect(kms.wraps).toBe(2)
    await factory.fileEncryptionProperties({}, uniform)
    expect(kms.wraps).toBe(2)
  })

  it('a failed unwrap is not cached: the next read retries and succeeds', async () => {
    const kms = new TestKms()
    const factory = new CryptoFactory(kms.factory)
    const file = await writeOne(factory)
    kms.fail = (call) => (call.op === 'unwrap' && call.masterKeyId === 'kc1' ? new KmsError('unavailable') : undefined)
    const error = await readParquet(file.path, factory.fileDecryptionProperties({})).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KmsError)
    const failedUnwraps = kms.count('unwrap', 'kc1')
    expect(failedUnwraps).toBe(1)
    kms.fail = undefined
    await readOne(factory, file)
    expect(kms.count('unwrap', 'kc1')).toBe(2)
    // kf's KEK was cached by the first read, before kc1 failed.
    expect(kms.count('unwrap', 'kf')).toBe(1)
  })
})

describe('token caches', () => {
  it('a token idle for a whole lifetime is swept when another token is used: its KEKs are not kept', async () => {
    const clock = new FakeClock()
    const cache = new TokenCache<Uint8Array>(clock.read)
    const tokens = () => (cache as unknown as { byToken: Map<string, unknown> }).byToken.size
    await cache.forToken('alice', 10_000).get('kek', async () => new Uint8Array(16))
    await cache.forToken('bob', 10_000).get('kek', async () => new Uint8Array(16))
    expect(tokens()).toBe(2)
    clock.advanceSeconds(5)
    await cache.forToken('bob', 10_000).get('kek', async () => new Uint8Array(16))
    clock.advanceSeconds(6) // alice: idle for 11 s; bob: 6 s
    await cache.forToken('carol', 10_000).get('kek', async () => new Uint8Array(16))
    expect(tokens()).toBe(2) // bob and carol
    expect(cache.forToken('bob', 10_000)).toBe(cache.forToken('bob', 10_000))
  })

  it("an idle token's cache is renewed with the lifetime of the next configuration", async () => {
    const kms = new TestKms()
    const clock = new FakeClock()
    const factory = new CryptoFactory(kms.factory, clock.read)
    await writeOne(factory, { config: { ...CONFIG, cacheLifetimeSeconds: 10 } })
    clock.advanceSeconds(11)
    await writeOne(factory, { config: { ...CONFIG, cacheLifetimeSeconds: 1000 } })
    expect(kms.wraps).toBe(6)
    clock.advanceSeconds(20) // within 1000 s of the second write
    await writeOne(factory, { config: { ...CONFIG, cacheLifetimeSeconds: 1000 } })
    expect(kms.wraps).toBe(6)
  })
})
