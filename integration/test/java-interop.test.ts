/**
 * Interop with parquet-java 1.17.0 (the Parquet layer under Spark), both directions, through the
 * batch driver in interop/java (setup/java-env.sh builds it; one JVM per batch of jobs):
 *
 *   pme writes (writeParquet, explicit keys or CryptoFactory + LocalKms)  ->  parquet-java reads
 *   parquet-java writes (FileEncryptionProperties or PropertiesDrivenCryptoFactory + InMemoryKMS)  ->  pme reads
 *
 * over {AES_GCM_V1, AES_GCM_CTR_V1} x {encrypted, plaintext footer} x {uniform, column keys, complete
 * columns} x the data shapes of data-shapes.ts, with explicit keys (every cell) and the key tools
 * (internal/external material, single/double wrapping, spread over the cells). parquet-java writes V1
 * and V2 pages alternately: its V2 framing keeps the levels of nullable and nested columns in
 * plaintext (pme-reference §5), which pme must read. Bloom filters written by one are probed by the
 * other; page indexes written by one are read by the other. Key rotation: parquet-java's
 * KeyToolkit.rotateMasterKeys on pme's external key material and pme's CryptoFactory.rotateMasterKeys
 * on parquet-java's, both read back by both. Expected values always come from the input data.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import {
  CryptoFactory,
  type DecryptionProperties,
  decryptFile,
  type EncryptionProperties,
  ParquetFileWriter,
  readParquet,
  writeParquet,
} from '@pme/core'
import { LocalKms, localKmsClientFactory } from '@pme/kms-local'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { ALGORITHMS, type AlgorithmName, FOOTERS, type FooterMode, KEY_LENGTHS, testKey } from './crypto-modes.js'
import {
  DATA_SHAPES,
  type DataShape,
  expectedColumns,
  type PmeWrite,
  pmeColumns,
  pmeWritable,
  rowsToColumns,
  type ShapeColumn,
  shapeLeaves,
  toJson,
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
import type { PyColumnType } from './pyarrow-crypto.js'
import { factoryWith, keyList, masterKeys } from './pyarrow-kms.js'

const javaCommand = inject('pmeJavaCommand')
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const utf8 = new TextEncoder()

// ------------------------------------------------------------------------------------ the driver

interface ChunkFacts {
  path: string
  encrypted: boolean
  bloom_filter: boolean
  column_index: boolean
  offset_index: boolean
  dictionary_page: boolean
}
interface JavaRead {
  ok: true
  footer: 'UNENCRYPTED' | 'PLAINTEXT_FOOTER' | 'ENCRYPTED_FOOTER'
  created_by: string
  row_groups: { rows: number; columns: ChunkFacts[] }[]
  /** Per row group: leaf path -> "dict" | "v1" | "v2" per page. */
  page_kinds: Record<string, string[]>[]
  probes: { column: string; has_filter: boolean; found: boolean[] }[]
  columns: Record<string, unknown[]>
  num_rows: number
}
type JavaReadResult = JavaRead | JavaFailure

type JavaCrypto =
  | { mode: 'none' }
  | {
      mode: 'explicit'
      footerKey?: string
      footerKeyMetadata?: string
      columnKeys?: Record<string, { key: string; keyMetadata?: string }> | Record<string, string>
      keys?: Record<string, string>
      completeColumns?: boolean
      plaintextFooter?: boolean
      algorithm?: AlgorithmName
      aadPrefix?: string
      storeAadPrefix?: boolean
    }
  | {
      mode: 'kms'
      keyList: string
      newKeyList?: string
      token: string
      footerKey?: string
      uniformKey?: string
      columnKeys?: string
      completeColumns?: boolean
      plaintextFooter?: boolean
      algorithm?: AlgorithmName
      doubleWrapping?: boolean
      internal?: boolean
    }

type JavaJob =
  | JavaWriteReadJob<JavaCrypto>
  | { op: 'rotate'; id: string; dir: string; warmUpFile: string; kms: JavaCrypto & { mode: 'kms' } }

// ------------------------------------------------------------------------------------ the schema

const isScalar = (type: PyColumnType): type is Exclude<PyColumnType, object> => typeof type === 'string'

function fieldSchema(name: string, type: PyColumnType, nullable: boolean): string {
  const repetition = nullable ? 'optional' : 'required'
  if (isScalar(type)) return `${repetition} ${PRIMITIVES[type]} ${name}${type === 'string' ? ' (STRING)' : ''};`
  if ('list' in type) {
    return `${repetition} group ${name} (LIST) { repeated group list { ${fieldSchema('element', type.list, type.element_nullable)} } }`
  }
  if ('map' in type) {
    return (
      `${repetition} group ${name} (MAP) { repeated group key_value { ${fieldSchema('key', type.map, false)} ` +
      `${fieldSchema('value', type.value, type.value_nullable)} } }`
    )
  }
  return `${repetition} group ${name} { ${type.struct.map((f) => fieldSchema(f.name, f.type, f.nullable)).join(' ')} }`
}

const messageType = (columns: readonly ShapeColumn[]): string =>
  `message schema { ${columns.map((c) => fieldSchema(c.name, c.type, c.nullable)).join(' ')} }`

/** The shape's rows in the driver's JSON form (read_plain.py's: INT64 as strings, maps as pairs). */
function javaRows(shape: DataShape): Record<string, unknown>[] {
  const columns = expectedColumns(shape)
  return Array.from({ length: shape.rows }, (_, i) =>
    Object.fromEntries(shape.columns.map((c) => [c.name, columns[c.name]?.[i]])),
  )
}

/** parquet-java writer settings that give each shape what it is for (pages, row groups, dictionaries). */
function javaWriter(shape: DataShape, pages: 'v1' | 'v2'): Record<string, unknown> {
  const writer: Record<string, unknown> = { pages, bloomFilters: BLOOM_COLUMNS[shape.id] ?? [] }
  if (shape.multiPage) Object.assign(writer, { pageRowCountLimit: 200, dictionary: false })
  if (shape.maxRowGroupRows !== undefined) writer.rowGroupRowCountLimit = shape.maxRowGroupRows
  return writer
}

/** Columns with bloom filters, per shape (flat leaves only), and values absent from them. */
const BLOOM_COLUMNS: Record<string, string[]> = {
  'flat-required': ['i32', 's'],
  nullable: ['s', 'i64'],
  dictionary: ['city'],
  'multipage-page-index': ['label', 'id'],
  'row-groups': ['tag'],
}
const ABSENT: Record<string, unknown[]> = {
  int32: [123_456_789, -987_654_321, 2_000_000_001],
  int64: ['8888888888888888', '-7777777777777', '31415926535'],
  string: ['absent-value', 'not there ∅', 'zzz-no'],
}

function probesFor(shape: DataShape): { column: string; values: unknown[]; present: number }[] {
  return (BLOOM_COLUMNS[shape.id] ?? []).map((column) => {
    const c = shape.columns.find((col) => col.name === column) as ShapeColumn
    const present = [...new Set(c.values.filter((v) => v !== null).map((v) => toJson(v, c.type)))].slice(0, 20)
    return { column, values: [...present, ...(ABSENT[c.type as string] ?? [])], present: present.length }
  })
}

// ------------------------------------------------------------------------------------ the matrix

const LAYOUTS = ['uniform', 'column-keys', 'complete-columns'] as const
type Layout = (typeof LAYOUTS)[number]
const AAD_MODES = ['none', 'stored', 'supplied'] as const

interface Mode {
  algorithm: AlgorithmName
  footer: FooterMode
  layout: Layout
}
const MODES: Mode[] = ALGORITHMS.flatMap((algorithm) =>
  FOOTERS.flatMap((footer) => LAYOUTS.map((layout) => ({ algorithm, footer, layout }))),
)
const modeId = (m: Mode) => `${m.algorithm}/${m.footer}-footer/${m.layout}`

/** The leaves a cell encrypts with kc1 and kc2 (column-key layouts): the first and the last leaf. */
function columnKeyLeaves(shape: DataShape): { kc1: string; kc2: string } {
  const leaves = shape.columns.flatMap((c) => shapeLeaves(c).map((l) => l.path))
  return { kc1: leaves[0] as string, kc2: leaves.at(-1) as string }
}

interface Cell {
  id: string
  mode: Mode
  shape: DataShape & { pme: PmeWrite }
  kms: false | { internal: boolean; double: boolean }
  /** Explicit keys: footer kf, kc1, kc2 (hex), key lengths spread over the cells. */
  keys: Record<'kf' | 'kc1' | 'kc2', Uint8Array>
  /** Explicit keys: whether key_metadata (the key id) is stored, or readers get the keys by column. */
  keyMetadata: boolean
  aad: (typeof AAD_MODES)[number]
  aadPrefix: Uint8Array
  pages: 'v1' | 'v2'
  file: string
}

const SHAPES = DATA_SHAPES.filter(pmeWritable)
const OLD_KEYS = masterKeys(1)
const NEW_KEYS = masterKeys(2)
const OLD_LIST = keyList(OLD_KEYS)
const NEW_LIST = keyList(NEW_KEYS)

function cells(direction: string, dir: string): Cell[] {
  const explicit = MODES.flatMap((mode, m) =>
    SHAPES.map((shape, s) => {
      const id = `explicit ${modeId(mode)} × ${shape.id}`
      const keyLength = KEY_LENGTHS[(m + s) % KEY_LENGTHS.length] as number
      return {
        id,
        mode,
        shape,
        kms: false as const,
        keys: {
          kf: testKey(keyLength, `${direction} ${id} kf`),
          kc1: testKey(keyLength, `${direction} ${id} kc1`),
          kc2: testKey(16, `${direction} ${id} kc2`),
        },
        keyMetadata: (m + s) % 3 !== 0,
        aad: AAD_MODES[(m + s) % 3] as Cell['aad'],
        aadPrefix: utf8.encode(`java-interop/${direction}/${m}-${s}`),
        pages: (m + s) % 2 === 0 ? ('v2' as const) : ('v1' as const),
        file: path.join(dir, `${direction}-explicit-${m}-${s}.parquet`),
      }
    }),
  )
  // Key tools: every mode once with every wrapping variant, the shapes rotating under them
  const kms = MODES.flatMap((mode, m) =>
    [0, 1, 2, 3].map((variant) => {
      const shape = SHAPES[(m * 4 + variant) % SHAPES.length] as Cell['shape']
      const internal = variant < 2
      const double = variant % 2 === 0
      const id = `kms ${modeId(mode)} × ${shape.id} (${internal ? 'internal' : 'external'}, ${double ? 'double' : 'single'} wrapping)`
      const sub = path.join(dir, `${direction}-kms-${m}-${variant}`)
      mkdirSync(sub, { recursive: true })
      return {
        id,
        mode,
        shape,
        kms: { internal, double },
        keys: { kf: new Uint8Array(), kc1: new Uint8Array(), kc2: new Uint8Array() },
        keyMetadata: true,
        aad: 'none' as const,
        aadPrefix: new Uint8Array(),
        pages: (m + variant) % 2 === 0 ? ('v2' as const) : ('v1' as const),
        file: path.join(sub, 'data.parquet'),
      }
    }),
  )
  return [...explicit, ...kms]
}

// ------------------------------------------------------------------------------------ pme side

function pmeEncryption(cell: Cell): EncryptionProperties {
  const { kc1, kc2 } = columnKeyLeaves(cell.shape)
  const spec = (id: 'kf' | 'kc1' | 'kc2') =>
    cell.keyMetadata ? { key: cell.keys[id], keyMetadata: utf8.encode(id) } : { key: cell.keys[id] }
  const columnKeys = cell.mode.layout === 'uniform' ? {} : { [kc1]: spec('kc1'), [kc2]: spec('kc2') }
  return {
    footerKey: spec('kf'),
    columnKeys,
    completeColumns: cell.mode.layout === 'complete-columns',
    plaintextFooter: cell.mode.footer === 'plaintext',
    algorithm: cell.mode.algorithm,
    ...(cell.aad === 'none' ? {} : { aadPrefix: cell.aadPrefix, storeAadPrefix: cell.aad === 'stored' }),
  }
}

async function pmeKmsEncryption(cell: Cell, factory: CryptoFactory): Promise<EncryptionProperties> {
  const { kc1, kc2 } = columnKeyLeaves(cell.shape)
  const kms = cell.kms as { internal: boolean; double: boolean }
  return factory.fileEncryptionProperties(
    {},
    {
      footerKey: 'kf',
      ...(cell.mode.layout === 'uniform' ? { uniformEncryption: true } : { columnKeys: { kc1: [kc1], kc2: [kc2] } }),
      completeColumns: cell.mode.layout === 'complete-columns',
      encryptionAlgorithm: cell.mode.algorithm,
      plaintextFooter: cell.mode.footer === 'plaintext',
      doubleWrapping: kms.double,
      internalKeyMaterial: kms.internal,
    },
    cell.file,
  )
}

async function pmeWrite(cell: Cell, encryption: EncryptionProperties): Promise<void> {
  const { shape } = cell
  // parquet-java has no Brotli codec without an extra library: such shapes are written with ZSTD here
  const codec = shape.pme.options.codec === 'BROTLI' ? 'ZSTD' : shape.pme.options.codec
  const options = { ...shape.pme.options, codec, encryption, bloomFilters: BLOOM_COLUMNS[shape.id] ?? [] }
  if (shape.pme.batches === 1) {
    await writeParquet(cell.file, { columns: pmeColumns(shape) }, options)
    return
  }
  const writer = await ParquetFileWriter.create(cell.file, options)
  const perBatch = Math.ceil(shape.rows / shape.pme.batches)
  for (let start = 0; start < shape.rows; start += perBatch) {
    await writer.writeColumns(pmeColumns(shape, start, Math.min(shape.rows, start + perBatch)))
  }
  await writer.close()
}

/** How pme reads a parquet-java file of an explicit-key cell. */
function pmeDecryption(cell: Cell): DecryptionProperties {
  const { kc1, kc2 } = columnKeyLeaves(cell.shape)
  const aad = cell.aad === 'supplied' ? { aadPrefix: cell.aadPrefix } : {}
  if (cell.keyMetadata) {
    const byId = new Map(Object.entries(cell.keys))
    return { keyRetriever: (metadata) => byId.get(new TextDecoder().decode(metadata)), ...aad }
  }
  const columnKeys = cell.mode.layout === 'uniform' ? {} : { [kc1]: cell.keys.kc1, [kc2]: cell.keys.kc2 }
  return { footerKey: cell.keys.kf, columnKeys, ...aad }
}

// ------------------------------------------------------------------------------------ Java side

function javaExplicitRead(cell: Cell): JavaCrypto {
  const { kc1, kc2 } = columnKeyLeaves(cell.shape)
  const aad = cell.aad === 'supplied' ? { aadPrefix: hex(cell.aadPrefix) } : {}
  if (cell.keyMetadata) {
    return {
      mode: 'explicit',
      keys: { kf: hex(cell.keys.kf), kc1: hex(cell.keys.kc1), kc2: hex(cell.keys.kc2) },
      ...aad,
    }
  }
  const columnKeys = cell.mode.layout === 'uniform' ? {} : { [kc1]: hex(cell.keys.kc1), [kc2]: hex(cell.keys.kc2) }
  return { mode: 'explicit', footerKey: hex(cell.keys.kf), columnKeys, ...aad }
}

function javaWriteCrypto(cell: Cell, token: string): JavaCrypto {
  const { kc1, kc2 } = columnKeyLeaves(cell.shape)
  const common = {
    completeColumns: cell.mode.layout === 'complete-columns',
    plaintextFooter: cell.mode.footer === 'plaintext',
    algorithm: cell.mode.algorithm,
  }
  if (cell.kms) {
    return {
      mode: 'kms',
      keyList: OLD_LIST,
      token,
      ...(cell.mode.layout === 'uniform'
        ? { uniformKey: 'kf' }
        : { footerKey: 'kf', columnKeys: `kc1:${kc1};kc2:${kc2}` }),
      doubleWrapping: cell.kms.double,
      internal: cell.kms.internal,
      ...common,
    }
  }
  const meta = (id: string) => (cell.keyMetadata ? { keyMetadata: id } : {})
  return {
    mode: 'explicit',
    footerKey: hex(cell.keys.kf),
    ...(cell.keyMetadata ? { footerKeyMetadata: 'kf' } : {}),
    columnKeys:
      cell.mode.layout === 'uniform'
        ? {}
        : { [kc1]: { key: hex(cell.keys.kc1), ...meta('kc1') }, [kc2]: { key: hex(cell.keys.kc2), ...meta('kc2') } },
    ...(cell.aad === 'none' ? {} : { aadPrefix: hex(cell.aadPrefix), storeAadPrefix: cell.aad === 'stored' }),
    ...common,
  }
}

const javaKmsRead = (keys: string, token: string): JavaCrypto => ({ mode: 'kms', keyList: keys, token })

// ------------------------------------------------------------------------------------ checks

/** Which leaves a cell must find encrypted. */
function expectedEncrypted(cell: Cell): Record<string, boolean> {
  const { kc1, kc2 } = columnKeyLeaves(cell.shape)
  const leaves = cell.shape.columns.flatMap((c) => shapeLeaves(c).map((l) => l.path))
  return Object.fromEntries(
    leaves.map((leaf) => [leaf, cell.mode.layout !== 'column-keys' || leaf === kc1 || leaf === kc2]),
  )
}

function expectJavaRead(read: JavaReadResult, cell: Cell, who: string): asserts read is JavaRead {
  expectOk(read, `${who}: parquet-java read`)
  expect(read.num_rows, `${who}: rows`).toBe(cell.shape.rows)
  expect(read.columns, `${who}: values`).toEqual(expectedColumns(cell.shape))
  expect(read.footer, `${who}: footer mode`).toBe(
    cell.mode.footer === 'encrypted' ? 'ENCRYPTED_FOOTER' : 'PLAINTEXT_FOOTER',
  )
  // parquet-java's ColumnChunkMetaData.isEncrypted() is true only for column-key columns under an
  // encrypted footer, so only those are checked
  const encrypted = expectedEncrypted(cell)
  if (cell.mode.layout === 'column-keys' && cell.mode.footer === 'encrypted') {
    for (const rg of read.row_groups) {
      for (const chunk of rg.columns) {
        expect(chunk.encrypted, `${who}: ${chunk.path} encrypted`).toBe(encrypted[chunk.path])
      }
    }
  }
}

function expectProbes(read: JavaRead, shape: DataShape, who: string): void {
  const probes = probesFor(shape)
  expect(
    read.probes.map((p) => p.column),
    `${who}: bloom filter probes`,
  ).toEqual(probes.map((p) => p.column))
  probes.forEach((probe, i) => {
    const answer = read.probes[i] as JavaRead['probes'][number]
    expect(answer.has_filter, `${who}: ${probe.column} has a bloom filter`).toBe(true)
    expect(answer.found.slice(0, probe.present), `${who}: ${probe.column} present values found`).toEqual(
      Array(probe.present).fill(true),
    )
    expect(answer.found.slice(probe.present), `${who}: ${probe.column} absent values not found`).toEqual(
      Array(probe.values.length - probe.present).fill(false),
    )
  })
}

/**
 * Bloom filters of a parquet-java file (its self-read) and of pme's decryptFile copy of it. parquet-java
 * writes no bloom filter for a fully dictionary-encoded chunk (docs/interop.md), so what the copy must
 * have comes from the original: a filter wherever the original has one (a requested column without one
 * must be dictionary-encoded), none where it has none, and the same probe answers.
 */
function expectProbesAsOriginal(plain: JavaRead, original: JavaRead, shape: DataShape, who: string): void {
  const probes = probesFor(shape)
  expect(
    plain.probes.map((p) => p.column),
    `${who}: bloom filter probes`,
  ).toEqual(probes.map((p) => p.column))
  probes.forEach((probe, i) => {
    const before = original.probes[i] as JavaRead['probes'][number]
    const after = plain.probes[i] as JavaRead['probes'][number]
    if (before.has_filter) {
      expect(before.found.slice(0, probe.present), `original: ${probe.column} present values found`).toEqual(
        Array(probe.present).fill(true),
      )
      expect(before.found.slice(probe.present), `original: ${probe.column} absent values not found`).toEqual(
        Array(probe.values.length - probe.present).fill(false),
      )
    } else {
      const chunks = original.row_groups.flatMap((rg) => rg.columns.filter((c) => c.path === probe.column))
      expect(
        chunks.length > 0 && chunks.every((c) => c.dictionary_page),
        `original: ${probe.column} has no bloom filter, so it must be dictionary-encoded`,
      ).toBe(true)
    }
    expect(after.has_filter, `${who}: ${probe.column} has a bloom filter (as the original)`).toBe(before.has_filter)
    expect(after.found, `${who}: ${probe.column} probe answers (as the original)`).toEqual(before.found)
  })
}

// ------------------------------------------------------------------------------------ the suite

describe('interop with parquet-java 1.17.0 (explicit keys and InMemoryKMS key tools)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pme-java-interop-'))
  const pmeCells = cells('pme', dir)
  const javaCells = cells('java', dir)
  const pmeWriteErrors = new Map<string, string>()
  let batch1: Map<string, unknown> | undefined
  let batch2: Map<string, unknown> | undefined
  const pmeReads = new Map<string, Record<string, unknown[]> | Error>()
  const rotatedReads = new Map<string, Record<string, unknown[]> | Error>()

  // Rotation: external material, double and single wrapping, one file per folder
  const rotation = [true, false].map((double, i) => ({
    double,
    pmeDir: path.join(dir, `rotate-pme-${i}`),
    javaDir: path.join(dir, `rotate-java-${i}`),
    shape: SHAPES[i + 1] as Cell['shape'],
  }))
  const rotationCell = (shape: Cell['shape'], file: string, double: boolean): Cell => ({
    id: `rotation ${double}`,
    mode: { algorithm: 'AES_GCM_V1', footer: 'encrypted', layout: 'column-keys' },
    shape,
    kms: { internal: false, double },
    keys: { kf: new Uint8Array(), kc1: new Uint8Array(), kc2: new Uint8Array() },
    keyMetadata: true,
    aad: 'none',
    aadPrefix: new Uint8Array(),
    pages: 'v2',
    file,
  })

  beforeAll(async () => {
    // 1. pme writes
    const { factory } = factoryWith(OLD_LIST)
    for (const cell of pmeCells) {
      try {
        await pmeWrite(cell, cell.kms ? await pmeKmsEncryption(cell, factory) : pmeEncryption(cell))
      } catch (error) {
        pmeWriteErrors.set(cell.id, (error as Error).message)
      }
    }
    for (const r of rotation) {
      mkdirSync(r.pmeDir, { recursive: true })
      mkdirSync(r.javaDir, { recursive: true })
      const cell = rotationCell(r.shape, path.join(r.pmeDir, 'data.parquet'), r.double)
      await pmeWrite(cell, await pmeKmsEncryption(cell, factory))
    }

    // 2. parquet-java: reads pme's files, writes its own (and reads them back), rotates pme's material
    let token = 0
    const jobs: JavaJob[] = []
    for (const cell of pmeCells) {
      jobs.push({
        op: 'read',
        id: `read ${cell.id}`,
        file: cell.file,
        crypto: cell.kms ? javaKmsRead(OLD_LIST, `t${token++}`) : javaExplicitRead(cell),
        probes: probesFor(cell.shape).map(({ column, values }) => ({ column, values })),
      })
    }
    for (const cell of javaCells) {
      jobs.push({
        op: 'write',
        id: `write ${cell.id}`,
        file: cell.file,
        schema: messageType(cell.shape.columns),
        rows: javaRows(cell.shape),
        writer: javaWriter(cell.shape, cell.pages),
        crypto: javaWriteCrypto(cell, `t${token++}`),
      })
      jobs.push({
        op: 'read',
        id: `self-read ${cell.id}`,
        file: cell.file,
        crypto: cell.kms ? javaKmsRead(OLD_LIST, `t${token++}`) : javaExplicitRead(cell),
        probes: probesFor(cell.shape).map(({ column, values }) => ({ column, values })),
      })
    }
    for (const [i, r] of rotation.entries()) {
      jobs.push({
        op: 'rotate',
        id: `rotate pme ${i}`,
        dir: r.pmeDir,
        warmUpFile: path.join(r.pmeDir, 'data.parquet'),
        kms: { mode: 'kms', keyList: OLD_LIST, newKeyList: NEW_LIST, token: `t${token++}`, doubleWrapping: r.double },
      })
      const cell = rotationCell(r.shape, path.join(r.javaDir, 'data.parquet'), r.double)
      jobs.push({
        op: 'write',
        id: `write rotation java ${i}`,
        file: cell.file,
        schema: messageType(cell.shape.columns),
        rows: javaRows(cell.shape),
        writer: javaWriter(cell.shape, 'v2'),
        crypto: javaWriteCrypto(cell, `t${token++}`),
      })
    }
    batch1 = await runJava(javaCommand, jobs)

    // 3. pme reads parquet-java's files; decrypts those with bloom filters (for parquet-java to probe)
    for (const cell of javaCells) {
      try {
        const props = cell.kms ? factory.fileDecryptionProperties({}, {}, cell.file) : pmeDecryption(cell)
        const rows = await readParquet(cell.file, props)
        pmeReads.set(cell.id, rowsToColumns(rows, cell.shape))
        await decryptFile(cell.file, `${cell.file}.plain`, props)
      } catch (error) {
        pmeReads.set(cell.id, error as Error)
      }
    }
    // 4. pme rotates parquet-java's material; then both read every rotated file with the new keys only
    const rotated = factoryWith(OLD_LIST, NEW_LIST).factory
    for (const [i, r] of rotation.entries()) {
      try {
        await rotated.rotateMasterKeys({}, path.join(r.javaDir, 'data.parquet'), { doubleWrapping: r.double })
      } catch (error) {
        rotatedReads.set(`java ${i}`, error as Error)
      }
    }
    const newOnly = new CryptoFactory(localKmsClientFactory(new LocalKms(NEW_LIST)))
    for (const [i, r] of rotation.entries()) {
      for (const [who, d] of [
        ['pme', r.pmeDir],
        ['java', r.javaDir],
      ] as const) {
        const key = `${who} ${i}`
        if (rotatedReads.has(key)) continue
        const file = path.join(d, 'data.parquet')
        try {
          const rows = await readParquet(file, newOnly.fileDecryptionProperties({}, {}, file))
          rotatedReads.set(key, rowsToColumns(rows, r.shape))
        } catch (error) {
          rotatedReads.set(key, error as Error)
        }
      }
    }

    // 5. parquet-java reads the rotated files with the new keys, and pme's decrypted copies of its files
    const jobs2: JavaJob[] = []
    for (const [i, r] of rotation.entries()) {
      for (const [who, d] of [
        ['pme', r.pmeDir],
        ['java', r.javaDir],
      ] as const) {
        jobs2.push({
          op: 'read',
          id: `rotated ${who} ${i}`,
          file: path.join(d, 'data.parquet'),
          crypto: javaKmsRead(NEW_LIST, `t${token++}`),
        })
      }
    }
    for (const cell of javaCells) {
      jobs2.push({
        op: 'read',
        id: `plain ${cell.id}`,
        file: `${cell.file}.plain`,
        crypto: { mode: 'none' },
        probes: probesFor(cell.shape).map(({ column, values }) => ({ column, values })),
      })
    }
    batch2 = await runJava(javaCommand, jobs2)
  }, 300_000)

  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  describe('pme writes, parquet-java reads', () => {
    it.each(pmeCells.map((c) => [c.id, c] as const))('%s', (_id, cell) => {
      expect(pmeWriteErrors.get(cell.id), 'pme write').toBeUndefined()
      const read = resultOf<JavaReadResult>(batch1, `read ${cell.id}`)
      expectJavaRead(read, cell, 'pme file')
      expectProbes(read, cell.shape, 'pme bloom filters read by parquet-java')
      if (cell.shape.pme.options.pageIndex) {
        for (const rg of read.row_groups) {
          for (const chunk of rg.columns) {
            expect(chunk.column_index && chunk.offset_index, `page index of ${chunk.path}`).toBe(true)
          }
        }
      }
    })
  })

  describe('parquet-java writes, pme reads', () => {
    it.each(javaCells.map((c) => [c.id, c] as const))('%s', (_id, cell) => {
      expectOk(resultOf<JavaResult>(batch1, `write ${cell.id}`), 'parquet-java write')
      const self = resultOf<JavaReadResult>(batch1, `self-read ${cell.id}`)
      expectJavaRead(self, cell, 'parquet-java self-read')
      // The file has the page kind the cell asked for (V2: levels in plaintext, pme-reference §5)
      for (const kinds of self.page_kinds) {
        for (const pages of Object.values(kinds)) {
          expect(pages.filter((k) => k !== 'dict').every((k) => k === cell.pages)).toBe(true)
        }
      }
      const read = pmeReads.get(cell.id)
      if (read instanceof Error) expect.fail(`pme read: ${read.message}`)
      expect(read, 'pme read: values').toEqual(expectedColumns(cell.shape))
      // pme decrypted the file: parquet-java reads the plaintext copy, its bloom filters and page index
      const plain = resultOf<JavaReadResult>(batch2, `plain ${cell.id}`)
      expectOk(plain, 'parquet-java reads pme decryptFile output')
      expect(plain.columns, 'decrypted copy: values').toEqual(expectedColumns(cell.shape))
      expectProbesAsOriginal(plain, self, cell.shape, 'parquet-java bloom filters after pme decryptFile')
    })
  })

  describe('key rotation', () => {
    it.each(rotation.map((r, i) => [r.double ? 'double' : 'single', i, r] as const))(
      'parquet-java rotates pme external material (%s wrapping), both read with the new keys',
      (_w, i, r) => {
        expectOk(resultOf<JavaResult>(batch1, `rotate pme ${i}`), 'parquet-java KeyToolkit.rotateMasterKeys')
        const java = resultOf<JavaReadResult>(batch2, `rotated pme ${i}`)
        expectOk(java, 'parquet-java read after rotation')
        expect(java.columns).toEqual(expectedColumns(r.shape))
        const pme = rotatedReads.get(`pme ${i}`)
        if (pme instanceof Error) expect.fail(`pme read after rotation: ${pme.message}`)
        expect(pme).toEqual(expectedColumns(r.shape))
      },
    )
    it.each(rotation.map((r, i) => [r.double ? 'double' : 'single', i, r] as const))(
      'pme rotates parquet-java external material (%s wrapping), both read with the new keys',
      (_w, i, r) => {
        expectOk(resultOf<JavaResult>(batch1, `write rotation java ${i}`), 'parquet-java write')
        const pme = rotatedReads.get(`java ${i}`)
        if (pme instanceof Error) expect.fail(`pme rotate/read: ${pme.message}`)
        expect(pme).toEqual(expectedColumns(r.shape))
        const java = resultOf<JavaReadResult>(batch2, `rotated java ${i}`)
        expectOk(java, 'parquet-java read after pme rotation')
        expect(java.columns).toEqual(expectedColumns(r.shape))
      },
    )
  })
})
