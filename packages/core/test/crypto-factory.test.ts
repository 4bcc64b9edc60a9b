import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  AadPrefixError,
  IntegrityError,
  KmsAccessDeniedError,
  KmsError,
  type PmeError,
  UsageError,
} from '../src/errors.js'
import { CryptoFactory } from '../src/keys/crypto-factory.js'
import {
  DEFAULT_CACHE_LIFETIME_SECONDS,
  type EncryptionConfiguration,
  resolveEncryptionConfiguration,
} from '../src/keys/encryption-configuration.js'
import type { KmsClient } from '../src/keys/kms-client.js'
import { ParquetFile } from '../src/read/parquet-file.js'
import { readParquet } from '../src/read/read-parquet.js'
import type { EncryptionProperties } from '../src/write/encryption-properties.js'
import { writeParquet } from '../src/write/parquet-writer.js'
import { expectNoKeyBytes, expectPmeError } from './helpers/errors.js'
import { ascii, MASTER_KEYS, magic, TestKms, unwrapIndependently, utf8 } from './helpers/test-kms.js'

/*
 * CryptoFactory configuration (pme-reference §7: pyarrow EncryptionConfiguration, parquet-java
 * properties) and its errors: defaults, rejected combinations, both column-key forms, key lengths,
 * KMS instance resolution, and typed errors without key bytes when the KMS denies or keys are wrong.
 */

const json = (bytes: Uint8Array | undefined): Record<string, unknown> => JSON.parse(utf8(bytes))
const ROWS = Array.from({ length: 8 }, (_, i) => ({ a: i, b: `b${i}`, c: i * 1.5, d: i * 100 }))

let dir: string
let counter = 0
const nextPath = () => join(dir, `f${counter++}.parquet`)
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pme-crypto-factory-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('resolveEncryptionConfiguration', () => {
  it('defaults: double wrapping, 600 s, internal material, 128-bit DEKs, AES_GCM_V1, encrypted footer', () => {
    expect(DEFAULT_CACHE_LIFETIME_SECONDS).toBe(600)
    const resolved = resolveEncryptionConfiguration({ footerKey: 'kf', columnKeys: { kc1: ['a'] } })
    expect(resolved).toMatchObject({
      footerKey: 'kf',
      doubleWrapping: true,
      cacheLifetimeMs: 600_000,
      internalKeyMaterial: true,
      dataKeyBytes: 16,
      kekBytes: 16,
      algorithm: 'AES_GCM_V1',
      plaintextFooter: false,
      completeColumns: false,
      storeAadPrefix: true,
    })
    expect(resolved).not.toHaveProperty('aadPrefix')
    expect([...resolved.columnKeys]).toEqual([['kc1', ['a']]])
  })

  it('the factory applies them: a PARE file, internal double-wrapped material, 16-byte keys', async () => {
    const factory = new CryptoFactory(new TestKms().factory)
    const props = await factory.fileEncryptionProperties({}, { footerKey: 'kf', columnKeys: { kc1: ['a'] } })
    expect(props).toMatchObject({ plaintextFooter: false, algorithm: 'AES_GCM_V1', completeColumns: false })
    expect(props.footerKey.key.length).toBe(16)
    expect(json(props.footerKey.keyMetadata)).toMatchObject({ internalStorage: true, doubleWrapping: true })
    const path = nextPath()
    await writeParquet(path, { rows: ROWS }, { encryption: props })
    const bytes = new Uint8Array(await readFile(path))
    expect([magic(bytes, 'head'), magic(bytes, 'tail')]).toEqual(['PARE', 'PARE'])
  })

  const rejected: [string, EncryptionConfiguration][] = [
    ['uniform + column keys (map)', { footerKey: 'kf', uniformEncryption: true, columnKeys: { kc1: ['a'] } }],
    ['uniform + column keys (string)', { footerKey: 'kf', uniformEncryption: true, columnKeys: 'kc1:a' }],
    ['uniform + complete columns', { footerKey: 'kf', uniformEncryption: true, completeColumns: true }],
    ['nothing encrypted (no column keys)', { footerKey: 'kf' }],
    ['nothing encrypted (empty map)', { footerKey: 'kf', columnKeys: {} }],
    ['nothing encrypted (empty string)', { footerKey: 'kf', columnKeys: '' }],
    ['no footer key', { footerKey: '', uniformEncryption: true }],
    ['a 64-bit data key', { footerKey: 'kf', uniformEncryption: true, dataKeyLengthBits: 64 as 128 }],
    ['a 512-bit data key', { footerKey: 'kf', uniformEncryption: true, dataKeyLengthBits: 512 as 128 }],
    ['a 100-bit KEK', { footerKey: 'kf', uniformEncryption: true, kekLengthBits: 100 as 128 }],
    ['a column listed twice', { footerKey: 'kf', columnKeys: 'kc1:a;kc2:a' }],
    ['a column keys entry without a colon', { footerKey: 'kf', columnKeys: 'kc1 a' }],
    ['a zero cache lifetime', { footerKey: 'kf', uniformEncryption: true, cacheLifetimeSeconds: 0 }],
  ]

  it.each(rejected)('rejects %s with a UsageError, before any KMS call', async (_, config) => {
    expect(() => resolveEncryptionConfiguration(config)).toThrow(UsageError)
    const kms = new TestKms()
    const factory = new CryptoFactory(kms.factory)
    await expect(factory.fileEncryptionProperties({}, config, nextPath())).rejects.toBeInstanceOf(UsageError)
    expect(kms.calls).toEqual([])
  })
})

describe('column keys: a map and the "mk:col,col;mk:col" string are the same', () => {
  /** Everything but the random keys: which master key covers which column, and the file options. */
  const shape = (props: EncryptionProperties) => ({
    footer: json(props.footerKey.keyMetadata).masterKeyID,
    columns: Object.fromEntries(
      Object.entries(props.columnKeys ?? {}).map(([column, spec]) => [column, json(spec.keyMetadata).masterKeyID]),
    ),
    order: Object.keys(props.columnKeys ?? {}),
    completeColumns: props.completeColumns,
    plaintextFooter: props.plaintextFooter,
    algorithm: props.algorithm,
    storeAadPrefix: props.storeAadPrefix,
  })

  it('gives the same properties', async () => {
    const factory = new CryptoFactory(new TestKms().factory)
    const fromMap = await factory.fileEncryptionProperties(
      {},
      { footerKey: 'kf', columnKeys: { kc1: ['a', 'b'], kc2: ['c'] } },
    )
    const fromString = await factory.fileEncryptionProperties({}, { footerKey: 'kf', columnKeys: 'kc1:a,b;kc2:c' })
    const pyarrowForm = await factory.fileEncryptionProperties({}, { footerKey: 'kf', columnKeys: 'kc1: a, b; kc2: c' })
    expect(shape(fromMap)).toEqual({
      footer: 'kf',
      columns: { a: 'kc1', b: 'kc1', c: 'kc2' },
      order: ['a', 'b', 'c'],
      completeColumns: false,
      plaintextFooter: false,
      algorithm: 'AES_GCM_V1',
      storeAadPrefix: true,
    })
    expect(shape(fromString)).toEqual(shape(fromMap))
    expect(shape(pyarrowForm)).toEqual(shape(fromMap))
  })
})

describe('key lengths', () => {
  it.each([
    [128, 16],
    [192, 24],
    [256, 32],
  ] as const)(
    'dataKeyLengthBits %i gives %i-byte DEKs (unwrapped with node:crypto), and the file reads',
    async (bits, bytes) => {
      const factory = new CryptoFactory(new TestKms().factory)
      for (const doubleWrapping of [true, false]) {
        const props = await factory.fileEncryptionProperties(
          {},
          { footerKey: 'kf', columnKeys: { kc1: ['a'] }, dataKeyLengthBits: bits, doubleWrapping },
        )
        for (const spec of [props.footerKey, props.columnKeys?.a]) {
          const dek = unwrapIndependently(json(spec?.keyMetadata), MASTER_KEYS).dek
          expect(dek.length).toBe(bytes)
          expect(Buffer.from(dek).equals(Buffer.from(spec?.key as Uint8Array))).toBe(true)
        }
        const path = nextPath()
        await writeParquet(path, { rows: ROWS }, { encryption: props })
        expect(await readParquet(path, factory.fileDecryptionProperties({}))).toEqual(ROWS)
      }
    },
  )

  it('kekLengthBits 256 gives 32-byte KEKs; the default is 16 bytes', async () => {
    const factory = new CryptoFactory(new TestKms().factory)
    const long = await factory.fileEncryptionProperties(
      {},
      { footerKey: 'kf', uniformEncryption: true, kekLengthBits: 256 },
    )
    expect(unwrapIndependently(json(long.footerKey.keyMetadata), MASTER_KEYS).kek?.length).toBe(32)
    const other = new CryptoFactory(new TestKms().factory)
    const short = await other.fileEncryptionProperties({}, { footerKey: 'kf', uniformEncryption: true })
    expect(unwrapIndependently(json(short.footerKey.keyMetadata), MASTER_KEYS).kek?.length).toBe(16)
  })
})

describe('file options', () => {
  const kms = new TestKms()
  const factory = new CryptoFactory(kms.factory)
  const write = async (config: EncryptionConfiguration) => {
    const path = nextPath()
    await writeParquet(path, { rows: ROWS }, { encryption: await factory.fileEncryptionProperties({}, config, path) })
    return path
  }
  const kinds = async (path: string) => {
    const file = await ParquetFile.open(path, factory.fileDecryptionProperties({}, {}, path))
    return Object.fromEntries(file.leaves.map((leaf, i) => [leaf.dotPath, file.columnEncryption(0, i).kind]))
  }

  it('uniform encryption puts every column under the footer key', async () => {
    const path = await write({ footerKey: 'kf', uniformEncryption: true })
    expect(await kinds(path)).toEqual({ a: 'footer-key', b: 'footer-key', c: 'footer-key', d: 'footer-key' })
    expect(await readParquet(path, factory.fileDecryptionProperties({}))).toEqual(ROWS)
  })

  it('uniform encryption with a plaintext footer writes PAR1, as parquet-java allows', async () => {
    const path = await write({ footerKey: 'kf', uniformEncryption: true, plaintextFooter: true })
    expect(magic(new Uint8Array(await readFile(path)), 'head')).toBe('PAR1')
    expect(await readParquet(path, factory.fileDecryptionProperties({}))).toEqual(ROWS)
  })

  it('complete columns encrypts the unlisted columns with the footer key', async () => {
    const path = await write({ footerKey: 'kf', columnKeys: { kc1: ['a'] }, completeColumns: true })
    expect(await kinds(path)).toEqual({ a: 'column-key', b: 'footer-key', c: 'footer-key', d: 'footer-key' })
    expect(await readParquet(path, factory.fileDecryptionProperties({}))).toEqual(ROWS)
  })

  it('AES_GCM_CTR_V1 is written and read', async () => {
    const path = await write({ footerKey: 'kf', columnKeys: 'kc1:a;kc2:c', encryptionAlgorithm: 'AES_GCM_CTR_V1' })
    const file = await ParquetFile.open(path, factory.fileDecryptionProperties({}))
    expect(file.encryption?.params.algorithm).toBe('AES_GCM_CTR_V1')
    expect(await readParquet(path, factory.fileDecryptionProperties({}))).toEqual(ROWS)
  })

  it('an AAD prefix that is not stored must be supplied by the reader', async () => {
    const path = await write({ footerKey: 'kf', columnKeys: 'kc1:a', aadPrefix: 'tester', storeAadPrefix: false })
    const error = await readParquet(path, factory.fileDecryptionProperties({})).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AadPrefixError)
    expect(await readParquet(path, { ...factory.fileDecryptionProperties({}), aadPrefix: 'tester' })).toEqual(ROWS)
  })
})

describe('KMS instance resolution when reading', () => {
  it("the footer key material's instance is used when the reader's config says DEFAULT; an explicit one wins", async () => {
    const writerKms = new TestKms()
    const path = nextPath()
    const props = await new CryptoFactory(writerKms.factory).fileEncryptionProperties(
      { kmsInstanceId: 'vault-eu', kmsInstanceUrl: 'https://vault.eu:8200' },
      { footerKey: 'kf', columnKeys: { kc1: ['a'] } },
    )
    await writeParquet(path, { rows: ROWS }, { encryption: props })
    expect(writerKms.clientConfigs.map((c) => c.kmsInstanceId)).toEqual(['vault-eu'])

    const fromFile = new TestKms()
    await readParquet(path, new CryptoFactory(fromFile.factory).fileDecryptionProperties({}))
    expect(fromFile.clientConfigs.map((c) => [c.kmsInstanceId, c.kmsInstanceUrl])).toEqual([
      ['vault-eu', 'https://vault.eu:8200'],
    ])

    const explicit = new TestKms()
    const conn = { kmsInstanceId: 'vault-us', kmsInstanceUrl: 'https://vault.us:8200', keyAccessToken: 't' }
    await readParquet(path, new CryptoFactory(explicit.factory).fileDecryptionProperties(conn))
    expect(explicit.clientConfigs.map((c) => [c.kmsInstanceId, c.kmsInstanceUrl, c.keyAccessToken])).toEqual([
      ['vault-us', 'https://vault.us:8200', 't'],
    ])
  })
})

describe('errors', () => {
  const writerKms = new TestKms()
  const writer = new CryptoFactory(writerKms.factory)
  const files: Record<'double' | 'single', { path: string; props: EncryptionProperties }> = {} as never
  /** Every key involved: master keys, DEKs, KEKs. None may appear in an error. */
  const secrets: Uint8Array[] = [...Object.values(MASTER_KEYS)]

  beforeAll(async () => {
    for (const doubleWrapping of [true, false]) {
      const path = nextPath()
      const props = await writer.fileEncryptionProperties(
        {},
        { footerKey: 'kf', columnKeys: { kc1: ['a'], kc2: ['c'] }, doubleWrapping },
      )
      await writeParquet(path, { rows: ROWS }, { encryption: props })
      files[doubleWrapping ? 'double' : 'single'] = { path, props }
      for (const spec of [props.footerKey, ...Object.values(props.columnKeys ?? {})]) {
        const { dek, kek } = unwrapIndependently(json(spec.keyMetadata), MASTER_KEYS)
        secrets.push(dek, ...(kek ? [kek] : []))
      }
    }
  })

  const failure = (path: string, reader: CryptoFactory, columns?: string[]) =>
    readParquet(path, {
      ...reader.fileDecryptionProperties({ keyAccessToken: 'reader' }),
      ...(columns ? { columns } : {}),
    }).then(
      () => undefined,
      (error: unknown) => error as PmeError,
    )

  it.each(['double', 'single'] as const)(
    'a KMS that denies kc1 (%s wrapping): projecting the other columns works, projecting a fails, typed',
    async (mode) => {
      const { path } = files[mode]
      const kms = new TestKms()
      kms.deny = (token, masterKeyId) => token === 'reader' && masterKeyId === 'kc1'
      const reader = new CryptoFactory(kms.factory)
      const props = reader.fileDecryptionProperties({ keyAccessToken: 'reader' })
      expect(await readParquet(path, { ...props, columns: ['b', 'c', 'd'] })).toEqual(
        ROWS.map(({ b, c, d }) => ({ b, c, d })),
      )
      expect(kms.count('unwrap', 'kc1')).toBe(0)
      const error = await failure(path, reader, ['a'])
      expectPmeError(error, KmsAccessDeniedError, 'PME_KMS_ACCESS_DENIED', { file: path, column: 'a' })
      expectNoKeyBytes(error as PmeError, secrets)
      const whole = await failure(path, reader)
      expectPmeError(whole, KmsAccessDeniedError, 'PME_KMS_ACCESS_DENIED', { file: path, column: 'a' })
    },
  )

  it('a wrong master key in the KMS is a KmsError naming the file and column', async () => {
    const { path } = files.double
    const wrongKc2 = ascii('5555555555555555')
    const reader = new CryptoFactory(new TestKms({ ...MASTER_KEYS, kc2: wrongKc2 }).factory)
    expect((await readParquet(path, { ...reader.fileDecryptionProperties({}), columns: ['a'] })).length).toBe(8)
    const error = await failure(path, reader, ['c'])
    expectPmeError(error, KmsError, 'PME_KMS', { file: path, column: 'c' })
    expectNoKeyBytes(error as PmeError, [...secrets, wrongKc2])
    // A wrong footer master key: nothing can be read.
    const wrongKf = ascii('6666666666666666')
    const noFooter = new CryptoFactory(new TestKms({ ...MASTER_KEYS, kf: wrongKf }).factory)
    const footerError = await failure(path, noFooter, ['b'])
    expectPmeError(footerError, KmsError, 'PME_KMS', { file: path })
    expectNoKeyBytes(footerError as PmeError, [...secrets, wrongKf])
  })

  /** A KMS that does not authenticate (like pyarrow's test KMS): a wrong master key yields wrong bytes. */
  const garbageKms = (length: number): KmsClient => ({
    wrapKey: async () => 'unused',
    unwrapKey: async () => new Uint8Array(length).fill(0x5a),
  })

  it('double wrapping: a KEK unwrapped with the wrong master key fails the DEK wrap check: IntegrityError', async () => {
    const { path } = files.double
    const reader = new CryptoFactory(() => garbageKms(16))
    const error = await failure(path, reader)
    expectPmeError(error, IntegrityError, 'PME_INTEGRITY', { file: path })
    expectNoKeyBytes(error as PmeError, [...secrets, new Uint8Array(16).fill(0x5a)])
  })

  it('single wrapping: a wrong DEK fails module authentication: IntegrityError', async () => {
    const { path } = files.single
    const reader = new CryptoFactory(() => garbageKms(16))
    const error = await failure(path, reader)
    expectPmeError(error, IntegrityError, 'PME_INTEGRITY', { file: path })
    expectNoKeyBytes(error as PmeError, [...secrets, new Uint8Array(16).fill(0x5a)])
  })
})
