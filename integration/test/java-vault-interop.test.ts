/**
 * The Vault leg of the parquet-java interop: parquet-java 1.17.0's sample VaultClient
 * (org.apache.parquet.crypto.keytools.samples, in parquet-hadoop's test jar) under
 * PropertiesDrivenCryptoFactory, and pme's CryptoFactory over @pme/kms-vault, against one OpenBao dev
 * server (the KMS harness's startOpenBao) with transit keys kf, kc1, kc2:
 *
 *   pme writes (CryptoFactory + @pme/kms-vault)  ->  parquet-java reads (VaultClient)
 *   parquet-java writes (VaultClient)  ->  pme reads (@pme/kms-vault)
 *
 * over {AES_GCM_V1, AES_GCM_CTR_V1} x {encrypted, plaintext footer} x {column keys, uniform} x
 * {internal, external key material} on the flat nullable shape, single and double wrapping spread over
 * the cells. Values are compared in full against the input; the KMS-wrapped keys in the key material of
 * both sides' files must be Vault transit ciphertexts (`vault:v1:...`). One JVM batch per direction.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { CryptoFactory, inspectFile, type KmsConnectionConfig, readParquet, writeParquet } from '@pme/core'
import { createKmsClientFactory } from '@pme/kms-vault'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { baoBinary, openbaoEnvScript, startOpenBao, type VaultServer } from '../kms/vault/openbao-process.js'
import { transitPolicy, VaultAdmin } from '../kms/vault/vault-admin.js'
import { ALGORITHMS, type AlgorithmName, FOOTERS, type FooterMode } from './crypto-modes.js'
import {
  DATA_SHAPES,
  type DataShape,
  expectedColumns,
  type PmeWrite,
  pmeColumns,
  pmeWritable,
  rowsToColumns,
  shapeLeaves,
} from './data-shapes.js'
import {
  expectOk,
  type JavaFailure,
  type JavaResult,
  type JavaWriteReadJob,
  PRIMITIVES,
  resultOf,
  runJava,
} from './java-driver.js'
import { type Json, keyRecord, metadataText } from './pyarrow-kms.js'

const baseJavaCommand = inject('pmeJavaCommand')
const MOUNT = 'transit'
const MASTER_KEYS = ['kf', 'kc1', 'kc2'] as const

// ------------------------------------------------------------------------------------ the driver

interface JavaRead {
  ok: true
  footer: 'UNENCRYPTED' | 'PLAINTEXT_FOOTER' | 'ENCRYPTED_FOOTER'
  columns: Record<string, unknown[]>
  num_rows: number
}

interface VaultCrypto {
  mode: 'vault'
  url: string
  token: string
  footerKey?: string
  uniformKey?: string
  columnKeys?: string
  plaintextFooter?: boolean
  algorithm?: AlgorithmName
  doubleWrapping?: boolean
  internal?: boolean
}
type JavaJob = JavaWriteReadJob<VaultCrypto>

// ------------------------------------------------------------------------------------ the shape

const SHAPE = DATA_SHAPES.filter(pmeWritable).find((s) => s.id === 'nullable') as DataShape & { pme: PmeWrite }
/** The flat shape in parquet-java's schema syntax (the Parquet schema pme writes for it). */
const SCHEMA = `message schema { ${SHAPE.columns
  .map(
    (c) =>
      `${c.nullable ? 'optional' : 'required'} ${PRIMITIVES[c.type as keyof typeof PRIMITIVES]} ${c.name}${c.type === 'string' ? ' (STRING)' : ''};`,
  )
  .join(' ')} }`
const EXPECTED = expectedColumns(SHAPE)
const JAVA_ROWS = Array.from({ length: SHAPE.rows }, (_, i) =>
  Object.fromEntries(SHAPE.columns.map((c) => [c.name, EXPECTED[c.name]?.[i]])),
)
const LEAVES = SHAPE.columns.flatMap((c) => shapeLeaves(c).map((l) => l.path))
const KC1 = LEAVES[0] as string
const KC2 = LEAVES.at(-1) as string

// ------------------------------------------------------------------------------------ the matrix

const LAYOUTS = ['column-keys', 'uniform'] as const
const MATERIALS = ['internal', 'external'] as const
interface Cell {
  id: string
  algorithm: AlgorithmName
  footer: FooterMode
  layout: (typeof LAYOUTS)[number]
  internal: boolean
  double: boolean
  file: string
}

function cells(direction: string, dir: string): Cell[] {
  return ALGORITHMS.flatMap((algorithm) =>
    FOOTERS.flatMap((footer) =>
      LAYOUTS.flatMap((layout) => MATERIALS.map((material) => ({ algorithm, footer, layout, material }))),
    ),
  ).map(({ algorithm, footer, layout, material }, i) => {
    // Wrapping alternates so that every other axis sees both single and double wrapping
    const double = (i + Math.floor(i / 4)) % 2 === 0
    return {
      id: `${algorithm}/${footer}-footer/${layout}/${material} (${double ? 'double' : 'single'} wrapping)`,
      algorithm,
      footer,
      layout,
      internal: material === 'internal',
      double,
      file: path.join(dir, `${direction}-${i}.parquet`),
    }
  })
}

// ------------------------------------------------------------------------------------ checks

const VAULT_CIPHERTEXT = /^vault:v1:[A-Za-z0-9+/]+={0,2}$/

/**
 * Every data key's key material (footer and column keys, internal or in the external store): the key
 * the KMS wrapped (the KEK under double wrapping, the DEK under single) is a Vault transit ciphertext
 * of master key version 1.
 */
async function expectVaultMaterial(cell: Cell, factory: CryptoFactory, connection: Partial<KmsConnectionConfig>) {
  const report = await inspectFile(cell.file, factory.fileDecryptionProperties(connection, {}, cell.file))
  const records = [keyRecord(metadataText(report.footerKeyMetadata, 'footer'), cell.file, 'footer')]
  const masterKeys = [report.footerMasterKeyId]
  for (const column of report.columns ?? []) {
    if (!column.keyMetadata) continue
    records.push(keyRecord(metadataText(column.keyMetadata, column.path), cell.file, column.path))
    masterKeys.push(column.masterKeyId)
  }
  // Uniform: every key is kf (pme and parquet-java may or may not repeat kf's metadata on the columns)
  expect([...new Set(masterKeys)].sort(), 'master keys').toEqual(
    cell.layout === 'uniform' ? ['kf'] : ['kc1', 'kc2', 'kf'],
  )
  for (const { material, metadata, reference } of records) {
    expect(metadata.internalStorage, 'internalStorage').toBe(cell.internal)
    expect(reference !== undefined, 'external reference').toBe(!cell.internal)
    const m = material as Json
    expect(m.doubleWrapping, 'doubleWrapping').toBe(cell.double)
    const wrapped = cell.double ? m.wrappedKEK : m.wrappedDEK
    expect(wrapped, `${cell.double ? 'wrappedKEK' : 'wrappedDEK'} of ${m.masterKeyID}`).toMatch(VAULT_CIPHERTEXT)
    if (cell.double) expect(m.wrappedDEK, 'wrappedDEK (local AES-GCM under the KEK)').not.toMatch(/^vault:/)
  }
}

/**
 * parquet-java's VaultClient builds its OkHttp client with MODERN_TLS/COMPATIBLE_TLS connection specs
 * only: plain http fails ("CLEARTEXT communication not enabled for client"), and the dev server speaks
 * http. So parquet-java talks to a loopback TLS proxy (self-signed certificate for 127.0.0.1, trusted
 * through a PKCS12 trust store given to the JVM) that forwards to OpenBao. VaultClient also sends
 * `<url>//v1/transit/...` (it appends "/" to the instance URL, then "/v1/transit/"); the proxy counts
 * and collapses such leading double slashes.
 */
async function startTlsProxy(root: string, target: string) {
  const key = path.join(root, 'proxy-key.pem')
  const cert = path.join(root, 'proxy-cert.pem')
  const trustStore = path.join(root, 'truststore.p12')
  const run = (command: string, args: string[]) => {
    const r = spawnSync(command, args, { encoding: 'utf8' })
    if (r.error || r.status !== 0) throw new Error(`${command} failed: ${r.error?.message ?? r.stderr}`)
  }
  run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  ])
  run('keytool', [
    '-importcert',
    '-noprompt',
    '-alias',
    'proxy',
    '-file',
    cert,
    '-keystore',
    trustStore,
    '-storetype',
    'PKCS12',
    '-storepass',
    'changeit',
  ])
  const stats = { requests: 0, doubleSlash: 0 }
  const server: Server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
    stats.requests++
    let url = req.url ?? '/'
    if (url.startsWith('//')) {
      stats.doubleSlash++
      url = url.replace(/^\/+/, '/')
    }
    const upstream = httpRequest(`${target}${url}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    upstream.on('error', (error) => {
      res.writeHead(502)
      res.end(String(error))
    })
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `https://127.0.0.1:${port}`,
    stats,
    jvmArgs: [`-Djavax.net.ssl.trustStore=${trustStore}`, '-Djavax.net.ssl.trustStorePassword=changeit'],
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

// ------------------------------------------------------------------------------------ the suite

describe('interop with parquet-java 1.17.0 VaultClient over OpenBao transit (@pme/kms-vault)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pme-java-vault-'))
  const pmeCells = cells('pme', dir)
  const javaCells = cells('java', dir)
  let server: VaultServer | undefined
  let proxy: Awaited<ReturnType<typeof startTlsProxy>> | undefined
  let connection: Partial<KmsConnectionConfig> = {}
  let factory: CryptoFactory | undefined
  const pmeWriteErrors = new Map<string, string>()
  const pmeReads = new Map<string, Record<string, unknown[]> | Error>()
  let javaReads: Map<string, unknown> | undefined
  let javaWrites: Map<string, unknown> | undefined

  const javaCrypto = (): VaultCrypto => ({
    mode: 'vault',
    url: proxy?.url as string,
    token: connection.keyAccessToken as string,
  })

  beforeAll(async () => {
    if (!existsSync(baoBinary)) {
      const run = spawnSync('bash', [openbaoEnvScript], { encoding: 'utf8' })
      if (run.error || run.status !== 0)
        throw new Error(`${openbaoEnvScript} failed: ${run.error?.message ?? run.stderr}`)
    }
    server = await startOpenBao()
    proxy = await startTlsProxy(dir, server.address)
    const admin = new VaultAdmin(server.address, server.rootToken, MOUNT)
    await admin.ensureTransit()
    for (const key of MASTER_KEYS) await admin.call('POST', `${MOUNT}/keys/${key}`, { type: 'aes256-gcm96' })
    await admin.writePolicy('pme-java-vault', transitPolicy(MOUNT, 'k*'))
    const token = await admin.createToken(['pme-java-vault'])
    // VaultClient takes <url>/v1/transit/ when the KMS instance id is DEFAULT; so does @pme/kms-vault
    connection = { kmsInstanceUrl: server.address, kmsInstanceId: 'DEFAULT', keyAccessToken: token }
    const vaultFactory = createKmsClientFactory({})
    factory = new CryptoFactory(vaultFactory)

    // 1. pme writes
    for (const cell of pmeCells) {
      try {
        const encryption = await factory.fileEncryptionProperties(
          connection,
          {
            footerKey: 'kf',
            ...(cell.layout === 'uniform' ? { uniformEncryption: true } : { columnKeys: { kc1: [KC1], kc2: [KC2] } }),
            encryptionAlgorithm: cell.algorithm,
            plaintextFooter: cell.footer === 'plaintext',
            doubleWrapping: cell.double,
            internalKeyMaterial: cell.internal,
          },
          cell.file,
        )
        await writeParquet(cell.file, { columns: pmeColumns(SHAPE) }, { ...SHAPE.pme.options, encryption })
      } catch (error) {
        pmeWriteErrors.set(cell.id, (error as Error).message)
      }
    }

    // 2. parquet-java (one JVM): reads pme's files, writes its own
    const jobs: JavaJob[] = []
    for (const cell of pmeCells) jobs.push({ op: 'read', id: `read ${cell.id}`, file: cell.file, crypto: javaCrypto() })
    for (const cell of javaCells) {
      jobs.push({
        op: 'write',
        id: `write ${cell.id}`,
        file: cell.file,
        schema: SCHEMA,
        rows: JAVA_ROWS,
        writer: { pages: 'v1' },
        crypto: {
          ...javaCrypto(),
          ...(cell.layout === 'uniform'
            ? { uniformKey: 'kf' }
            : { footerKey: 'kf', columnKeys: `kc1:${KC1};kc2:${KC2}` }),
          plaintextFooter: cell.footer === 'plaintext',
          algorithm: cell.algorithm,
          doubleWrapping: cell.double,
          internal: cell.internal,
        },
      })
    }
    javaReads = await runJava([...(proxy?.jvmArgs ?? []), ...baseJavaCommand], jobs)
    javaWrites = javaReads
    console.log(
      `[java-vault] VaultClient requests through the TLS proxy: ${proxy.stats.requests}, with a leading //: ${proxy.stats.doubleSlash}`,
    )

    // 3. pme reads parquet-java's files through @pme/kms-vault (a fresh factory: no cached keys)
    const reader = new CryptoFactory(createKmsClientFactory({}))
    for (const cell of javaCells) {
      try {
        const rows = await readParquet(cell.file, reader.fileDecryptionProperties(connection, {}, cell.file))
        pmeReads.set(cell.id, rowsToColumns(rows, SHAPE))
      } catch (error) {
        pmeReads.set(cell.id, error as Error)
      }
    }
  }, 120_000)

  afterAll(async () => {
    await proxy?.stop()
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  describe('pme writes (@pme/kms-vault), parquet-java reads (VaultClient)', () => {
    it.each(pmeCells.map((c) => [c.id, c] as const))('%s', async (_id, cell) => {
      expect(pmeWriteErrors.get(cell.id), 'pme write').toBeUndefined()
      const read = resultOf<JavaRead | JavaFailure>(javaReads, `read ${cell.id}`)
      expectOk(read, 'parquet-java read')
      expect(read.num_rows, 'rows').toBe(SHAPE.rows)
      expect(read.columns, 'values').toEqual(EXPECTED)
      expect(read.footer).toBe(cell.footer === 'encrypted' ? 'ENCRYPTED_FOOTER' : 'PLAINTEXT_FOOTER')
      await expectVaultMaterial(cell, factory as CryptoFactory, connection)
    })
  })

  describe('parquet-java writes (VaultClient), pme reads (@pme/kms-vault)', () => {
    it.each(javaCells.map((c) => [c.id, c] as const))('%s', async (_id, cell) => {
      expectOk(resultOf<JavaResult>(javaWrites, `write ${cell.id}`), 'parquet-java write')
      const read = pmeReads.get(cell.id)
      if (read instanceof Error) expect.fail(`pme read: ${read.message}`)
      expect(read, 'pme read: values').toEqual(EXPECTED)
      await expectVaultMaterial(cell, factory as CryptoFactory, connection)
    })
  })
})
