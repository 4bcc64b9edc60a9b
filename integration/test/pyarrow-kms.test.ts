/**
 * KMS interop with pyarrow 25's CryptoFactory (the key tools, PKMT1 key material), both directions:
 *
 *   pme CryptoFactory + LocalKms -> writeParquet  ->  pyarrow CryptoFactory + python/pyarrow_kms.py reads
 *   pyarrow CryptoFactory writes                  ->  pme fileDecryptionProperties + readParquet reads
 *
 * over {internal, external key material} x {double, single wrapping} x {AES_GCM_V1, AES_GCM_CTR_V1} x
 * {encrypted, plaintext footer} x {column keys, uniform}, with 128- and 256-bit data keys spread over
 * the matrix and a 32-byte master key (ku) for the uniform layout. Then the key material each side
 * writes (field sets, values, unwrapped with node:crypto), master key rotation both ways (external
 * material, file bytes unchanged) and the KMS call economy of shared KEKs across the boundary.
 *
 * Beyond the matrix, pme writes nested columns (a list, a struct with a list inside, a map; written
 * with an explicit schema) with one of them under a column key given by its root name, and files with
 * completeColumns, whose unlisted columns pyarrow must find under the footer key: a KMS with only the
 * footer master key reads them (and no other), and under a plaintext footer no key does.
 *
 * Both sides use InMemoryKMS-compatible KMSs (pme's LocalKms, the Python client of pyarrow_kms.py)
 * over the same key list. Expected values come from the input data, or from pyarrow and node:crypto;
 * never from pme reading the same file.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import {
  type CryptoFactory,
  type EncryptionConfiguration,
  type FileReport,
  IntegrityError,
  inspectFile,
  KmsError,
  PmeError,
  readParquet,
  writeParquet,
} from '@pme/core'
import type { LocalKms } from '@pme/kms-local'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { pmeMany } from './cli.js'
import { ALGORITHMS, type AlgorithmName, FOOTERS, type FooterMode } from './crypto-modes.js'
import { type DataShape, expectedColumns, pmeColumns, pmeWritable, pyColumns, rowsToColumns } from './data-shapes.js'
import { describeFailure, type PyFailure, resultOf } from './pyarrow-crypto.js'
import {
  EXTERNAL_METADATA_FIELDS,
  expectedMaterialFields,
  factoryWith,
  hasKeyMaterialFile,
  type KeyRecord,
  keyList,
  keyListOf,
  keyRecord,
  type MasterKeys,
  masterKeys,
  metadataText,
  PME_NESTED_SHAPE,
  PME_SHAPE,
  PYARROW_SHAPE,
  type PyEncryptionConfig,
  type PyKmsJob,
  type PyKmsRead,
  type PyKmsReadFacts,
  type PyKmsRotate,
  type PyKmsWrite,
  ROW_GROUP_ROWS,
  ROWS,
  readKeyMaterialStore,
  runPyarrowKms,
  sha256,
  sortedKeys,
  trailingMagic,
  unwrapMaterial,
} from './pyarrow-kms.js'

const python = inject('pmePython')

const OLD_KEYS = masterKeys(1)
const NEW_KEYS = masterKeys(2)
const OLD_LIST = keyList(OLD_KEYS)
const NEW_LIST = keyList(NEW_KEYS)
const ROW_GROUPS = Math.ceil(ROWS / ROW_GROUP_ROWS)

// -------------------------------------------------------------------------------------- the matrix

type Layout = 'column-keys' | 'uniform'
type Side = 'pme' | 'pyarrow'

interface Mode {
  id: string
  internal: boolean
  double: boolean
  algorithm: AlgorithmName
  footer: FooterMode
  layout: Layout
  dataKeyBits: 128 | 256
}

/** What one writer is asked to write, and with which column keys. */
interface Writing {
  writer: Side
  shape: DataShape
  /**
   * Column keys in configuration order (the order external key references columnKey0, 1... follow);
   * nested columns are given by their root name.
   */
  columnKeys: [string, string[]][]
  /** completeColumns: the columns not listed are encrypted with the footer key instead of left in plaintext. */
  completeColumns: boolean
  /** Leaf dot paths of the shape's schema, as pyarrow names them. */
  leaves: string[]
}

const FLAT_LEAVES = ['id', 'a', 'b', 'c', 'd']
const PERSON_LEAVES = ['person.age', 'person.name', 'person.scores.list.element']

/** The matrix: pme writes the flat columns, pyarrow the flat columns and a struct (with a list inside). */
const WRITINGS: Record<Side, Writing> = {
  pme: {
    writer: 'pme',
    shape: PME_SHAPE,
    columnKeys: [
      ['kc1', ['a', 'b']],
      ['kc2', ['c']],
    ],
    completeColumns: false,
    leaves: FLAT_LEAVES,
  },
  pyarrow: {
    writer: 'pyarrow',
    shape: PYARROW_SHAPE,
    columnKeys: [
      ['kc1', ['a', 'b']],
      ['kc2', ['c', 'person']],
    ],
    completeColumns: false,
    leaves: [...FLAT_LEAVES, ...PERSON_LEAVES],
  },
}

const footerKeyOf = (layout: Layout): string => (layout === 'uniform' ? 'ku' : 'kf')

function modeId(m: Omit<Mode, 'id'>): string {
  return [
    `${m.internal ? 'internal' : 'external'} material`,
    `${m.double ? 'double' : 'single'} wrapping`,
    m.algorithm,
    `${m.footer} footer`,
    m.layout === 'uniform' ? 'uniform (ku, 32-byte)' : 'column keys',
    `${m.dataKeyBits}-bit DEKs`,
  ].join(' / ')
}

const withId = (mode: Omit<Mode, 'id'>): Mode => ({ ...mode, id: modeId(mode) })

/** The starting point of the cells beyond the matrix (each changes some of it). */
const COLUMN_KEY_MODE: Omit<Mode, 'id'> = {
  internal: true,
  double: true,
  algorithm: 'AES_GCM_V1',
  footer: 'plaintext',
  layout: 'column-keys',
  dataKeyBits: 128,
}

const MODES: Mode[] = [true, false].flatMap((internal) =>
  [true, false].flatMap((double) =>
    ALGORITHMS.flatMap((algorithm, a) =>
      FOOTERS.flatMap((footer, f) =>
        (['column-keys', 'uniform'] as const).map((layout, l) => {
          // Both DEK lengths meet every layout, wrapping mode and material storage.
          const dataKeyBits = (a + f + l) % 2 === 0 ? (128 as const) : (256 as const)
          return withId({ internal, double, algorithm, footer, layout, dataKeyBits })
        }),
      ),
    ),
  ),
)

function pmeConfig(mode: Omit<Mode, 'id'>, writing = WRITINGS.pme): EncryptionConfiguration {
  return {
    footerKey: footerKeyOf(mode.layout),
    ...(mode.layout === 'uniform'
      ? { uniformEncryption: true }
      : { columnKeys: Object.fromEntries(writing.columnKeys), completeColumns: writing.completeColumns }),
    encryptionAlgorithm: mode.algorithm,
    plaintextFooter: mode.footer === 'plaintext',
    doubleWrapping: mode.double,
    internalKeyMaterial: mode.internal,
    dataKeyLengthBits: mode.dataKeyBits,
  }
}

function pyConfig(mode: Omit<Mode, 'id'>): PyEncryptionConfig {
  return {
    footer_key: footerKeyOf(mode.layout),
    ...(mode.layout === 'uniform'
      ? { uniform_encryption: true }
      : { column_keys: Object.fromEntries(WRITINGS.pyarrow.columnKeys) }),
    encryption_algorithm: mode.algorithm,
    plaintext_footer: mode.footer === 'plaintext',
    double_wrapping: mode.double,
    internal_key_material: mode.internal,
    data_key_length_bits: mode.dataKeyBits,
  }
}

/** pme-reference §7: pyarrow's uniform mode silently ignores plaintext_footer (the file is PARE). */
const pyarrowIgnoresPlaintextFooter = (mode: Omit<Mode, 'id'>): boolean =>
  mode.layout === 'uniform' && mode.footer === 'plaintext'

/**
 * pme-reference §9.1: with a plaintext footer and AES_GCM_CTR_V1, Arrow C++ tags the footer AES_GCM_V1
 * but encrypts the pages with CTR, so no reader can decrypt the encrypted columns. In uniform mode
 * the footer is encrypted anyway (quirk above), so only the column-key layout hits it.
 */
const pyarrowWritesWrongAlgorithmTag = (mode: Omit<Mode, 'id'>): boolean =>
  mode.algorithm === 'AES_GCM_CTR_V1' && mode.footer === 'plaintext' && !pyarrowIgnoresPlaintextFooter(mode)

/** The footer mode the file really has. */
const actualFooter = (side: Side, mode: Omit<Mode, 'id'>): FooterMode =>
  side === 'pyarrow' && pyarrowIgnoresPlaintextFooter(mode) ? 'encrypted' : mode.footer

/** The master key of a leaf column (dot path), 'footer' for footer-key columns, null for plaintext. */
function expectedKeyOf(writing: Writing, layout: Layout, leaf: string): { masterKeyId: string } | 'footer' | null {
  if (layout === 'uniform') return 'footer'
  const root = leaf.split('.')[0]
  const entry = writing.columnKeys.find(([, columns]) => columns.includes(root as string))
  if (entry) return { masterKeyId: entry[0] }
  return writing.completeColumns ? 'footer' : null
}

/** The configured columns in key-processing order: columnKey<i> belongs to the i-th. */
const configuredColumns = (writing: Writing, layout: Layout): string[] =>
  layout === 'uniform' ? [] : writing.columnKeys.flatMap(([, columns]) => columns)

/** pme inspect's [path, key, master key id] of every leaf the writing should give. */
const expectedLayout = (writing: Writing, mode: Omit<Mode, 'id'>): [string, string | null, string | null][] =>
  writing.leaves.map((leaf) => {
    const key = expectedKeyOf(writing, mode.layout, leaf)
    if (key === null) return [leaf, null, null]
    return key === 'footer' ? [leaf, 'footer', footerKeyOf(mode.layout)] : [leaf, 'column', key.masterKeyId]
  })

// -------------------------------------------------------------- nested columns and complete columns

/**
 * pme writes a list, a struct (with a list inside) and a map with an explicit schema; each cell puts one
 * of them under a column key by its root name and leaves the other two in plaintext.
 */
const NESTED_LEAVES = [
  ...FLAT_LEAVES,
  'tags.list.element',
  ...PERSON_LEAVES,
  'attrs.key_value.key',
  'attrs.key_value.value',
]
const nested = (columnKeys: [string, string[]][]): Writing => ({
  writer: 'pme',
  shape: PME_NESTED_SHAPE,
  columnKeys,
  completeColumns: false,
  leaves: NESTED_LEAVES,
})

/** completeColumns: the matrix's column keys, and `id` and `d` encrypted with the footer key. */
const COMPLETE: Writing = { ...WRITINGS.pme, completeColumns: true }
const UNLISTED = ['id', 'd']

interface Cell {
  id: string
  writing: Writing
  mode: Mode
}

const NESTED_CELLS: Cell[] = [
  {
    id: 'list',
    writing: nested([
      ['kc1', ['a']],
      ['kc2', ['tags']],
    ]),
    mode: withId({ ...COLUMN_KEY_MODE, internal: true, double: true, algorithm: 'AES_GCM_V1', footer: 'encrypted' }),
  },
  {
    id: 'struct',
    writing: nested([
      ['kc1', ['person']],
      ['kc2', ['b']],
    ]),
    mode: withId({ ...COLUMN_KEY_MODE, internal: false, double: false, algorithm: 'AES_GCM_CTR_V1', dataKeyBits: 256 }),
  },
  {
    id: 'map',
    writing: nested([
      ['kc1', ['c']],
      ['kc2', ['attrs']],
    ]),
    mode: withId({
      ...COLUMN_KEY_MODE,
      internal: false,
      double: true,
      algorithm: 'AES_GCM_CTR_V1',
      footer: 'encrypted',
    }),
  },
].map((cell) => ({ ...cell, id: `${cell.id}: ${cell.mode.id}` }))

const COMPLETE_CELLS: Cell[] = [
  { writing: COMPLETE, mode: withId({ ...COLUMN_KEY_MODE, footer: 'encrypted' }) },
  {
    writing: COMPLETE,
    mode: withId({ ...COLUMN_KEY_MODE, internal: false, double: false, algorithm: 'AES_GCM_CTR_V1' }),
  },
].map((cell) => ({ ...cell, id: cell.mode.id }))

const PLAINTEXT_FOOTER_COMPLETE_CELLS = COMPLETE_CELLS.filter((cell) => cell.mode.footer === 'plaintext')

/** pme-written cells beyond the matrix. */
const EXTRA_CELLS: Cell[] = [...NESTED_CELLS, ...COMPLETE_CELLS]

// ------------------------------------------------------------------------------------- rotation

interface Rotation extends Omit<Mode, 'id' | 'internal'> {
  id: string
  internal: false
  /** double_wrapping of the rotation (it may change the wrapping mode). */
  rotateDouble: boolean
}

function rotation(
  layout: Layout,
  algorithm: AlgorithmName,
  footer: FooterMode,
  dataKeyBits: 128 | 256,
  double: boolean,
  rotateDouble: boolean,
): Rotation {
  const wrapping = (d: boolean) => (d ? 'double' : 'single')
  return {
    id: `${layout}, ${algorithm}, ${footer} footer, ${dataKeyBits}-bit DEKs: ${wrapping(double)} -> ${wrapping(rotateDouble)} wrapping`,
    internal: false,
    layout,
    algorithm,
    footer,
    dataKeyBits,
    double,
    rotateDouble,
  }
}

/** Both wrapping modes before and after, both algorithms and footers, both layouts (uniform: 32-byte ku). */
const ROTATIONS: Rotation[] = [
  rotation('column-keys', 'AES_GCM_V1', 'plaintext', 128, true, true),
  rotation('column-keys', 'AES_GCM_CTR_V1', 'encrypted', 256, false, false),
  rotation('uniform', 'AES_GCM_V1', 'encrypted', 128, true, false),
  rotation('column-keys', 'AES_GCM_CTR_V1', 'encrypted', 128, false, true),
]

/** The Parquet bytes and the key material store before rotation. */
interface Snapshot {
  hash: string
  store: Record<string, string>
}

// -------------------------------------------------------------------------------------- economy

const ECONOMY_FILES = 4
const ECONOMY_MODE: Omit<Mode, 'id'> = {
  internal: true,
  double: true,
  algorithm: 'AES_GCM_V1',
  footer: 'encrypted',
  layout: 'column-keys',
  dataKeyBits: 128,
}

// ------------------------------------------------------------------------------------- helpers

const errorText = (error: unknown): string =>
  error instanceof PmeError ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error)

function expectPyOk<T extends { ok: boolean }>(
  result: T | PyFailure,
  what: string,
): asserts result is T & { ok: true } {
  expect(result.ok, `${what}: ${describeFailure(result as { ok: true } | PyFailure)}`).toBe(true)
}

function expectValues(columns: Record<string, unknown[]>, shape: DataShape, what: string): void {
  const expected = expectedColumns(shape)
  expect(Object.keys(columns), `${what}: columns`).toEqual(shape.columns.map((c) => c.name))
  for (const column of shape.columns) {
    expect(columns[column.name], `${what}: ${column.name} values`).toHaveLength(shape.rows)
    expect(columns[column.name], `${what}: ${column.name} values`).toStrictEqual(expected[column.name])
  }
}

async function pmeRead(file: string, factory: CryptoFactory, shape: DataShape, columns?: string[]) {
  const rows = await readParquet(file, {
    ...factory.fileDecryptionProperties({}, {}, file),
    ...(columns ? { columns } : {}),
  })
  const selected = columns ? { ...shape, columns: shape.columns.filter((c) => columns.includes(c.name)) } : shape
  return { rows, columns: rowsToColumns(rows, selected), shape: selected }
}

/** The footer and column-key records of a file, by inspecting it with a KMS that holds `keys`. */
interface FileKeys {
  report: FileReport
  footer: KeyRecord
  /** Leaf dot path -> its key record, for column-key columns only. */
  columns: Map<string, KeyRecord>
}

async function fileKeys(file: string, keysList: string): Promise<FileKeys> {
  const { factory } = factoryWith(keysList)
  const report = await inspectFile(file, factory.fileDecryptionProperties({}, {}, file))
  const footer = keyRecord(metadataText(report.footerKeyMetadata, `${file} footer`), file, 'footer')
  const columns = new Map<string, KeyRecord>()
  for (const column of report.columns ?? []) {
    if (column.key !== 'column') continue
    columns.set(column.path, keyRecord(metadataText(column.keyMetadata, column.path), file, column.path))
  }
  return { report, footer, columns }
}

/** Field sets of one file's key metadata and key material, for comparing pme's with pyarrow's. */
interface FieldSets {
  footerMetadata: string[]
  footerMaterial: string[]
  columnMetadata: string[][]
  columnMaterial: string[][]
}

/**
 * Every check on the PKMT1 key material of one file that is independent of the writer: fields and
 * values per the reference (§6), external references, data keys unwrapped with node:crypto (their
 * length, one DEK per configured column, one KEK per master key). Returns the field sets.
 */
function checkKeyMaterial(
  writing: Writing,
  mode: Omit<Mode, 'id'>,
  file: string,
  keys: FileKeys,
  masters: MasterKeys,
): FieldSets {
  const what = `${writing.writer} file`
  const { report, footer, columns } = keys
  const fields = (footerKey: boolean, internal: boolean) =>
    expectedMaterialFields({ footer: footerKey, double: mode.double, internal })

  // Which leaf uses which key
  expect(report.encrypted, `${what}: encrypted`).toBe(true)
  expect(report.footer, `${what}: footer mode`).toBe(actualFooter(writing.writer, mode))
  const leaves = (report.columns ?? []).map((c) => c.path)
  expect(leaves, `${what}: leaf columns`).toEqual(writing.leaves)
  for (const column of report.columns ?? []) {
    const expected = expectedKeyOf(writing, mode.layout, column.path)
    const kind = expected === null ? null : expected === 'footer' ? 'footer' : 'column'
    expect(column.key, `${what}: key of ${column.path}`).toBe(kind)
  }

  // Key metadata: the material itself (internal) or a reference into the store (external)
  const records: [string, KeyRecord, boolean][] = [
    ['footer', footer, true],
    ...[...columns].map(([leaf, record]): [string, KeyRecord, boolean] => [leaf, record, false]),
  ]
  for (const [name, record, isFooter] of records) {
    const where = `${what}: ${name} key`
    if (mode.internal) {
      expect(sortedKeys(record.metadata), `${where}: key metadata fields`).toEqual(fields(isFooter, true))
      expect(record.metadata.internalStorage, `${where}: internalStorage`).toBe(true)
    } else {
      expect(sortedKeys(record.metadata), `${where}: external key metadata fields`).toEqual(EXTERNAL_METADATA_FIELDS)
      expect(record.metadata.keyMaterialType, `${where}: keyMaterialType`).toBe('PKMT1')
      expect(record.metadata.internalStorage, `${where}: internalStorage`).toBe(false)
      expect(sortedKeys(record.material), `${where}: key material fields`).toEqual(fields(isFooter, false))
    }
    const m = record.material
    expect(m.keyMaterialType, `${where}: keyMaterialType`).toBe('PKMT1')
    expect(m.isFooterKey, `${where}: isFooterKey`).toBe(isFooter)
    expect(m.doubleWrapping, `${where}: doubleWrapping`).toBe(mode.double)
    if (isFooter) {
      expect(m.masterKeyID, `${where}: masterKeyID`).toBe(footerKeyOf(mode.layout))
      expect(m.kmsInstanceID, `${where}: kmsInstanceID`).toBe('DEFAULT')
      expect(m.kmsInstanceURL, `${where}: kmsInstanceURL`).toBe('DEFAULT')
    } else {
      const expected = expectedKeyOf(writing, mode.layout, name)
      const expectedId = expected !== null && expected !== 'footer' ? expected.masterKeyId : '(no column key expected)'
      expect(m.masterKeyID, `${where}: masterKeyID`).toBe(expectedId)
    }
    const unwrapped = unwrapMaterial(m, masters, where)
    expect(unwrapped.dek.length, `${where}: data key length`).toBe(mode.dataKeyBits / 8)
    if (mode.double) {
      expect(unwrapped.kekId?.length, `${where}: KEK id length`).toBe(16)
      expect(unwrapped.kek?.length, `${where}: KEK length`).toBe(16)
    }
  }

  // One DEK per configured column: leaves of one root share it, different roots and the footer do not
  const byRoot = new Map<string, { text: string; dek: string }[]>()
  for (const [leaf, record] of columns) {
    const root = leaf.split('.')[0] as string
    const entry = {
      text: JSON.stringify(record.metadata),
      dek: unwrapMaterial(record.material, masters, leaf).dek.toString('hex'),
    }
    byRoot.set(root, [...(byRoot.get(root) ?? []), entry])
  }
  expect([...byRoot.keys()].sort(), `${what}: column-key roots`).toEqual(configuredColumns(writing, mode.layout).sort())
  const deks = [unwrapMaterial(footer.material, masters, 'footer').dek.toString('hex')]
  for (const [root, entries] of byRoot) {
    for (const entry of entries) {
      expect(entry.text, `${what}: leaves of ${root} share one key metadata`).toBe(entries[0]?.text)
    }
    deks.push((entries[0] as { dek: string }).dek)
  }
  expect(new Set(deks).size, `${what}: a distinct DEK for the footer and each configured column`).toBe(deks.length)

  // Double wrapping: one KEK per master key within the file
  if (mode.double) {
    const kekIds = new Map<string, Set<string>>()
    for (const [, record] of records) {
      const mk = record.material.masterKeyID as string
      kekIds.set(mk, (kekIds.get(mk) ?? new Set()).add(record.material.keyEncryptionKeyID as string))
    }
    for (const [mk, ids] of kekIds) expect(ids.size, `${what}: KEK ids of master key ${mk}`).toBe(1)
    const all = [...kekIds.values()].flatMap((ids) => [...ids])
    expect(new Set(all).size, `${what}: distinct KEK ids per master key`).toBe(kekIds.size)
  }

  // External material: footerKey and columnKey<i> in configuration order, nothing else
  if (!mode.internal) {
    const configured = configuredColumns(writing, mode.layout)
    const store = readKeyMaterialStore(file)
    expect(Object.keys(store).sort(), `${what}: key material store entries`).toEqual(
      ['footerKey', ...configured.map((_, i) => `columnKey${i}`)].sort(),
    )
    expect(footer.reference, `${what}: footer key reference`).toBe('footerKey')
    for (const [leaf, record] of columns) {
      const index = configured.indexOf(leaf.split('.')[0] as string)
      expect(record.reference, `${what}: key reference of ${leaf}`).toBe(`columnKey${index}`)
    }
  }

  const first = [...columns.values()][0]
  return {
    footerMetadata: sortedKeys(footer.metadata),
    footerMaterial: sortedKeys(footer.material),
    columnMetadata: first ? [sortedKeys(first.metadata)] : [],
    columnMaterial: first ? [sortedKeys(first.material)] : [],
  } satisfies FieldSets
}

/** Checks a rotated store against the one before: same references and master keys, same DEKs, new wraps. */
function checkRotatedStore(before: Record<string, string>, file: string, rotateDouble: boolean): void {
  const after = readKeyMaterialStore(file)
  expect(Object.keys(after).sort(), 'rotated store: the same key references').toEqual(Object.keys(before).sort())
  for (const [reference, oldText] of Object.entries(before)) {
    const old = JSON.parse(oldText) as Record<string, unknown>
    const rotated = JSON.parse(after[reference] as string) as Record<string, unknown>
    const where = `rotated store: ${reference}`
    expect(rotated.masterKeyID, `${where}: masterKeyID`).toBe(old.masterKeyID)
    expect(rotated.isFooterKey, `${where}: isFooterKey`).toBe(old.isFooterKey)
    expect(rotated.doubleWrapping, `${where}: doubleWrapping follows the rotation`).toBe(rotateDouble)
    expect(sortedKeys(rotated), `${where}: fields`).toEqual(
      expectedMaterialFields({ footer: old.isFooterKey === true, double: rotateDouble, internal: false }),
    )
    if (old.isFooterKey === true) {
      expect(rotated.kmsInstanceID, `${where}: kmsInstanceID`).toBe(old.kmsInstanceID)
      expect(rotated.kmsInstanceURL, `${where}: kmsInstanceURL`).toBe(old.kmsInstanceURL)
    }
    expect(rotated.wrappedDEK, `${where}: wrappedDEK re-wrapped`).not.toBe(old.wrappedDEK)
    // The data key is unchanged; only the new master key versions open the new material
    const dek = unwrapMaterial(old, OLD_KEYS, `${where} (before)`).dek
    expect(unwrapMaterial(rotated, NEW_KEYS, `${where} (after)`).dek.equals(dek), `${where}: same DEK`).toBe(true)
    expect(() => unwrapMaterial(rotated, OLD_KEYS, `${where} (after, old keys)`), `${where}: old keys`).toThrow()
  }
}

/** A matrix cell pme writes with column keys and a plaintext footer, without completeColumns. */
const PLAINTEXT_FOOTER_MATRIX_CELL = MODES.findIndex((m) => m.layout === 'column-keys' && m.footer === 'plaintext')

const KF_ONLY_LIST = keyListOf(OLD_KEYS, ['kf'])

const noTempMaterial = (dir: string): string[] => readdirSync(dir).filter((name) => name.startsWith('_TMP_'))

// ------------------------------------------------------------------------------------------ suite

describe('KMS interop with pyarrow 25 CryptoFactory (PKMT1, InMemoryKMS-compatible KMS)', () => {
  let dir = ''
  const file = (name: string) => path.join(dir, name)
  const pmeFile = (i: number) => file(`pme-${i}.parquet`)
  const pyFile = (i: number) => file(`pyarrow-${i}.parquet`)
  const pmeRotFile = (i: number) => file(`pme-rot-${i}.parquet`)
  const pyRotFile = (i: number) => file(`pyarrow-rot-${i}.parquet`)
  const pmeEcoFile = (i: number) => file(`pme-eco-${i}.parquet`)
  const pyEcoFile = (i: number) => file(`pyarrow-eco-${i}.parquet`)
  const pmeExtraFile = (i: number) => file(`pme-extra-${i}.parquet`)

  const writeErrors = new Map<string, string>()
  const beforeRotation = new Map<string, Snapshot>()
  const pmeRotationErrors = new Map<string, string>()
  let econKms: LocalKms | undefined
  let batch1: Map<string, unknown> | undefined
  let batch2: Map<string, unknown> | undefined

  async function pmeWrite(
    name: string,
    factory: CryptoFactory,
    config: EncryptionConfiguration,
    shape: DataShape = PME_SHAPE,
  ): Promise<void> {
    try {
      if (!pmeWritable(shape)) throw new Error(`pme cannot write ${shape.id}: ${JSON.stringify(shape.pme)}`)
      const encryption = await factory.fileEncryptionProperties({}, config, name)
      await writeParquet(name, { columns: pmeColumns(shape) }, { ...shape.pme.options, encryption })
    } catch (error) {
      writeErrors.set(name, errorText(error))
    }
  }

  const pyWrite = (id: string, name: string, config: PyEncryptionConfig, session?: string): PyKmsJob => ({
    op: 'write',
    id,
    file: name,
    kms: { key_list: OLD_LIST },
    columns: pyColumns(PYARROW_SHAPE),
    config,
    options: { row_group_size: ROW_GROUP_ROWS },
    self_read: session === undefined,
    ...(session ? { session } : {}),
  })

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'pme-kms-interop-'))

    // pme writes: the matrix, the files pyarrow rotates, and N files for the economy check
    const { factory: writer } = factoryWith(OLD_LIST)
    for (const [i, mode] of MODES.entries()) await pmeWrite(pmeFile(i), writer, pmeConfig(mode))
    for (const [i, rotation] of ROTATIONS.entries()) {
      await pmeWrite(pmeRotFile(i), writer, pmeConfig(rotation))
      if (!writeErrors.has(pmeRotFile(i))) {
        beforeRotation.set(pmeRotFile(i), { hash: sha256(pmeRotFile(i)), store: readKeyMaterialStore(pmeRotFile(i)) })
      }
    }
    const economy = factoryWith(OLD_LIST)
    econKms = economy.kms
    for (let i = 0; i < ECONOMY_FILES; i++) await pmeWrite(pmeEcoFile(i), economy.factory, pmeConfig(ECONOMY_MODE))
    for (const [i, cell] of EXTRA_CELLS.entries()) {
      await pmeWrite(pmeExtraFile(i), writer, pmeConfig(cell.mode, cell.writing), cell.writing.shape)
    }

    // One Python process: read pme's files, rotate some, write pyarrow's files
    const jobs: PyKmsJob[] = [
      ...MODES.map(
        (_, i): PyKmsJob => ({
          op: 'read',
          id: `read pme ${i}`,
          file: pmeFile(i),
          kms: { key_list: OLD_LIST },
          session: 'matrix reads',
        }),
      ),
      ...ROTATIONS.map(
        (rotation, i): PyKmsJob => ({
          op: 'rotate',
          id: `rotate pme ${i}`,
          file: pmeRotFile(i),
          kms: { key_list: OLD_LIST, new_key_list: NEW_LIST },
          double_wrapping: rotation.rotateDouble,
        }),
      ),
      ...Array.from(
        { length: ECONOMY_FILES },
        (_, i): PyKmsJob => ({
          op: 'read',
          id: `read pme eco ${i}`,
          file: pmeEcoFile(i),
          kms: { key_list: OLD_LIST },
          session: 'economy reads',
        }),
      ),
      ...EXTRA_CELLS.map(
        (_, i): PyKmsJob => ({
          op: 'read',
          id: `read pme extra ${i}`,
          file: pmeExtraFile(i),
          kms: { key_list: OLD_LIST },
        }),
      ),
      // Complete columns: a KMS with only the footer master key reads the unlisted columns, not the others
      ...COMPLETE_CELLS.flatMap((cell): PyKmsJob[] => {
        const name = pmeExtraFile(EXTRA_CELLS.indexOf(cell))
        const kfOnly = { key_list: KF_ONLY_LIST }
        return [
          { op: 'read', id: `kf only, unlisted: ${cell.id}`, file: name, kms: kfOnly, select: UNLISTED },
          { op: 'read', id: `kf only, kc1 column: ${cell.id}`, file: name, kms: kfOnly, select: ['a'] },
        ]
      }),
      // A plaintext footer: no key reads them, where without completeColumns they are plaintext
      ...PLAINTEXT_FOOTER_COMPLETE_CELLS.map(
        (cell): PyKmsJob => ({
          op: 'read',
          id: `no keys, unlisted: ${cell.id}`,
          file: pmeExtraFile(EXTRA_CELLS.indexOf(cell)),
          kms: null,
          select: UNLISTED,
        }),
      ),
      {
        op: 'read',
        id: 'no keys, unlisted: matrix',
        file: pmeFile(PLAINTEXT_FOOTER_MATRIX_CELL),
        kms: null,
        select: UNLISTED,
      },
      ...MODES.map((mode, i) => pyWrite(`write pyarrow ${i}`, pyFile(i), pyConfig(mode))),
      ...ROTATIONS.map((rotation, i) => pyWrite(`write pyarrow rot ${i}`, pyRotFile(i), pyConfig(rotation))),
      ...Array.from({ length: ECONOMY_FILES }, (_, i) =>
        pyWrite(`write pyarrow eco ${i}`, pyEcoFile(i), pyConfig(ECONOMY_MODE), 'economy writes'),
      ),
    ]
    batch1 = runPyarrowKms(python, jobs)

    // pme rotates pyarrow's files: LocalKms with the old keys, then the new ones as current versions
    const rotator = factoryWith(OLD_LIST, NEW_LIST).factory
    for (const [i, rotation] of ROTATIONS.entries()) {
      const name = pyRotFile(i)
      if (!resultOf<PyKmsWrite>(batch1, `write pyarrow rot ${i}`).ok) continue
      beforeRotation.set(name, { hash: sha256(name), store: readKeyMaterialStore(name) })
      try {
        await rotator.rotateMasterKeys({}, name, { doubleWrapping: rotation.rotateDouble })
      } catch (error) {
        pmeRotationErrors.set(name, errorText(error))
      }
    }

    // pyarrow reads pme's rotations with only the new keys (and fails with only the old ones)
    batch2 = runPyarrowKms(
      python,
      ROTATIONS.flatMap((_, i): PyKmsJob[] => [
        { op: 'read', id: `read rot ${i} new`, file: pyRotFile(i), kms: { key_list: NEW_LIST } },
        { op: 'read', id: `read rot ${i} old`, file: pyRotFile(i), kms: { key_list: OLD_LIST } },
      ]),
    )
  }, 150_000)

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  // ------------------------------------------------------------------------------- pme -> pyarrow

  describe('pme writes (CryptoFactory + LocalKms), pyarrow reads (CryptoFactory + InMemoryKMS client)', () => {
    it.each(MODES.map((mode, i) => [mode.id, mode, i] as const))('%s', (_id, mode, i) => {
      expect(writeErrors.get(pmeFile(i)), 'pme write error').toBeUndefined()
      expect(hasKeyMaterialFile(pmeFile(i)), 'external key material file').toBe(!mode.internal)
      expect(trailingMagic(pmeFile(i)), 'magic').toBe(mode.footer === 'plaintext' ? 'PAR1' : 'PARE')
      const read = resultOf<PyKmsRead>(batch1, `read pme ${i}`)
      expectPyOk(read, 'pyarrow read')
      expect(read.num_rows, 'rows').toBe(ROWS)
      expect(read.num_row_groups, 'row groups').toBe(ROW_GROUPS)
      expectValues(read.columns, PME_SHAPE, 'pyarrow read')
    })
  })

  // ------------------------------------------------------------------------------- pyarrow -> pme

  describe('pyarrow writes (CryptoFactory), pme reads (fileDecryptionProperties + LocalKms)', () => {
    const { factory: reader } = factoryWith(OLD_LIST)

    it.each(MODES.map((mode, i) => [mode.id, mode, i] as const))('%s', async (_id, mode, i) => {
      const written = resultOf<PyKmsWrite>(batch1, `write pyarrow ${i}`)
      expectPyOk(written, 'pyarrow write')
      expect(hasKeyMaterialFile(pyFile(i)), 'external key material file').toBe(!mode.internal)
      // Uniform mode ignores plaintext_footer: the quirk is asserted, PARE where PAR1 was asked for
      expect(trailingMagic(pyFile(i)), 'magic').toBe(actualFooter('pyarrow', mode) === 'plaintext' ? 'PAR1' : 'PARE')

      if (pyarrowWritesWrongAlgorithmTag(mode)) {
        // Known Arrow C++ bug (§9.1): neither pyarrow nor pme can decrypt the encrypted columns ...
        const self = written.self_read as PyFailure | undefined
        expect(self?.ok, 'pyarrow reads its own file').toBe(false)
        expect(self?.error, 'pyarrow error').toMatch(/decryption|ciphertext/i)
        await expect(pmeRead(pyFile(i), reader, PYARROW_SHAPE), 'pme reads all columns').rejects.toThrow(IntegrityError)
        // ... and the footer says AES_GCM_V1 although the pages are CTR; the plaintext columns still read
        const report = await inspectFile(pyFile(i), reader.fileDecryptionProperties({}, {}, pyFile(i)))
        expect(report.algorithm, 'algorithm in the plaintext footer').toBe('AES_GCM_V1')
        const plain = await pmeRead(pyFile(i), reader, PYARROW_SHAPE, ['id', 'd'])
        expectValues(plain.columns, plain.shape, 'pme reads the plaintext columns')
        return
      }
      // pyarrow reading its own file validates the Python KMS client and the data
      expect(written.self_read, 'pyarrow self read').toBeDefined()
      const self = written.self_read as PyKmsReadFacts | PyFailure
      expectPyOk(self, 'pyarrow reads its own file')
      expectValues(self.columns, PYARROW_SHAPE, 'pyarrow reads its own file')
      const read = await pmeRead(pyFile(i), reader, PYARROW_SHAPE)
      expect(read.rows, 'rows').toHaveLength(ROWS)
      expectValues(read.columns, PYARROW_SHAPE, 'pme read')
    })
  })

  // ------------------------------------------------------------------------------- key material

  describe('PKMT1 key material: both sides write the fields the reference lists, pme the same set as pyarrow', () => {
    it.each(MODES.map((mode, i) => [mode.id, mode, i] as const))('%s', async (_id, mode, i) => {
      expect(writeErrors.get(pmeFile(i)), 'pme write error').toBeUndefined()
      expectPyOk(resultOf<PyKmsWrite>(batch1, `write pyarrow ${i}`), 'pyarrow write')
      const ours = checkKeyMaterial(WRITINGS.pme, mode, pmeFile(i), await fileKeys(pmeFile(i), OLD_LIST), OLD_KEYS)
      const theirs = checkKeyMaterial(WRITINGS.pyarrow, mode, pyFile(i), await fileKeys(pyFile(i), OLD_LIST), OLD_KEYS)
      expect(ours, 'pme field sets = pyarrow field sets').toEqual(theirs)
      expect(noTempMaterial(dir), 'no temporary key material files').toEqual([])
    })
  })

  it('pme inspect --json (the CLI) shows the key layout of both sides: footer mode, master key per column', async () => {
    const pick = (internal: boolean, footer: FooterMode, layout: Layout) =>
      MODES.findIndex((m) => m.internal === internal && m.footer === footer && m.layout === layout && m.double)
    const matrix = (side: Side, i: number) => ({
      writing: WRITINGS[side],
      mode: MODES[i] as Mode,
      file: side === 'pme' ? pmeFile(i) : pyFile(i),
    })
    const cases = [
      matrix('pme', pick(true, 'encrypted', 'column-keys')),
      matrix('pme', pick(false, 'plaintext', 'column-keys')),
      matrix('pyarrow', pick(false, 'encrypted', 'column-keys')),
      matrix('pyarrow', pick(true, 'plaintext', 'uniform')),
      // completeColumns: the unlisted columns under the footer key, in both footer modes
      ...COMPLETE_CELLS.map((cell) => ({ ...cell, file: pmeExtraFile(EXTRA_CELLS.indexOf(cell)) })),
    ]
    const runs = await pmeMany(cases.map(({ file }) => ['inspect', file, '--json', '--key-list', OLD_LIST]))
    runs.forEach((run, k) => {
      const { writing, mode } = cases[k] as (typeof cases)[number]
      const what = `${writing.writer} file ${mode.id}${writing.completeColumns ? ' (complete columns)' : ''}`
      expect(run.status, `${what}: exit code (${run.stderr})`).toBe(0)
      const report = JSON.parse(run.stdout) as FileReport
      expect(report.footer, `${what}: footer`).toBe(actualFooter(writing.writer, mode))
      expect(report.algorithm, `${what}: algorithm`).toBe(mode.algorithm)
      expect(report.footerMasterKeyId, `${what}: footer master key`).toBe(footerKeyOf(mode.layout))
      const layout = (report.columns ?? []).map((c) => [c.path, c.key, c.masterKeyId])
      expect(layout, `${what}: columns`).toEqual(expectedLayout(writing, mode))
    })
  })

  // ------------------------------------------------------- nested columns and complete columns (pme)

  describe('pme writes nested columns (a column key by root name) and complete columns, pyarrow reads', () => {
    it.each(
      EXTRA_CELLS.map(
        (cell, i) => [`${cell.writing.completeColumns ? 'complete columns' : 'nested'}: ${cell.id}`, cell, i] as const,
      ),
    )('%s', async (_id, cell, i) => {
      const name = pmeExtraFile(i)
      const shape = cell.writing.shape
      expect(writeErrors.get(name), 'pme write error').toBeUndefined()
      expect(hasKeyMaterialFile(name), 'external key material file').toBe(!cell.mode.internal)
      expect(trailingMagic(name), 'magic').toBe(cell.mode.footer === 'plaintext' ? 'PAR1' : 'PARE')
      const read = resultOf<PyKmsRead>(batch1, `read pme extra ${i}`)
      expectPyOk(read, 'pyarrow read')
      expect(read.num_rows, 'rows').toBe(ROWS)
      expect(read.num_row_groups, 'row groups').toBe(ROW_GROUPS)
      expectValues(read.columns, shape, 'pyarrow read')
      // Which leaf has which key, and the key material, as in the matrix
      checkKeyMaterial(cell.writing, cell.mode, name, await fileKeys(name, OLD_LIST), OLD_KEYS)
    })

    const unlisted = (shape: DataShape) => ({
      ...shape,
      columns: shape.columns.filter((c) => UNLISTED.includes(c.name)),
    })

    it.each(COMPLETE_CELLS.map((cell) => [cell.id, cell] as const))(
      'complete columns: a KMS with only the footer master key reads just the unlisted columns: %s',
      (_id, cell) => {
        const projected = resultOf<PyKmsRead>(batch1, `kf only, unlisted: ${cell.id}`)
        expectPyOk(projected, `pyarrow reads ${UNLISTED.join(', ')} with kf only`)
        expectValues(projected.columns, unlisted(cell.writing.shape), 'pyarrow, kf only')
        expect(projected.kms_calls.unwrap, 'pyarrow unwraps with kf only').toEqual({ kf: 1 })
        const listed = resultOf<PyKmsRead>(batch1, `kf only, kc1 column: ${cell.id}`)
        expect(listed.ok, 'pyarrow reads column a (kc1) with kf only').toBe(false)
        expect((listed as PyFailure).error, 'pyarrow error').toMatch(/master key 'kc1' is not known to the KMS/)
      },
    )

    it.each(PLAINTEXT_FOOTER_COMPLETE_CELLS.map((cell) => [cell.id, cell] as const))(
      'complete columns, plaintext footer: no key reads the unlisted columns (without completeColumns they are plaintext): %s',
      (_id, cell) => {
        const r = resultOf<PyKmsRead>(batch1, `no keys, unlisted: ${cell.id}`)
        expect(r.ok, 'pyarrow reads the unlisted columns without keys').toBe(false)
        expect(describeFailure(r)).toMatch(/Column is noted as encrypted but no file decryptor/)
        // The contrast: in a plaintext-footer file without completeColumns the same columns are plaintext
        const plain = resultOf<PyKmsRead>(batch1, 'no keys, unlisted: matrix')
        expectPyOk(plain, 'pyarrow reads the unlisted columns of a column-key file without keys')
        expectValues(plain.columns, unlisted(PME_SHAPE), 'pyarrow, no keys')
      },
    )
  })

  // ------------------------------------------------------------------------------- rotation

  describe('master key rotation, external key material', () => {
    it.each(ROTATIONS.map((r, i) => [r.id, r, i] as const))(
      'pme writes, pyarrow rotate_master_keys, pme reads with only the new keys: %s',
      async (_id, rotation, i) => {
        const name = pmeRotFile(i)
        expect(writeErrors.get(name), 'pme write error').toBeUndefined()
        const rotated = resultOf<PyKmsRotate>(batch1, `rotate pme ${i}`)
        expectPyOk(rotated, 'pyarrow rotate_master_keys')
        const before = beforeRotation.get(name) as Snapshot
        expect(sha256(name), 'Parquet file bytes unchanged by rotation').toBe(before.hash)
        checkRotatedStore(before.store, name, rotation.rotateDouble)
        expect(noTempMaterial(dir), 'no temporary key material files').toEqual([])

        const read = await pmeRead(name, factoryWith(NEW_LIST).factory, PME_SHAPE)
        expectValues(read.columns, PME_SHAPE, 'pme read with only the new keys')
        await expect(pmeRead(name, factoryWith(OLD_LIST).factory, PME_SHAPE), 'only the old keys').rejects.toThrow(
          KmsError,
        )
      },
    )

    it.each(ROTATIONS.map((r, i) => [r.id, r, i] as const))(
      'pyarrow writes, pme rotateMasterKeys, pyarrow reads with only the new keys: %s',
      (_id, rotation, i) => {
        const name = pyRotFile(i)
        expectPyOk(resultOf<PyKmsWrite>(batch1, `write pyarrow rot ${i}`), 'pyarrow write')
        expect(pmeRotationErrors.get(name), 'pme rotateMasterKeys error').toBeUndefined()
        const before = beforeRotation.get(name) as Snapshot
        expect(sha256(name), 'Parquet file bytes unchanged by rotation').toBe(before.hash)
        checkRotatedStore(before.store, name, rotation.rotateDouble)
        expect(noTempMaterial(dir), 'no temporary key material files').toEqual([])

        const read = resultOf<PyKmsRead>(batch2, `read rot ${i} new`)
        expectPyOk(read, 'pyarrow read with only the new keys')
        expectValues(read.columns, PYARROW_SHAPE, 'pyarrow read with only the new keys')
        const old = resultOf<PyKmsRead>(batch2, `read rot ${i} old`)
        expect(old.ok, 'pyarrow read with only the old keys').toBe(false)
        expect((old as PyFailure).error, 'pyarrow error with only the old keys').toMatch(/no version of master key/)
      },
    )
  })

  // ------------------------------------------------------------------------------- economy

  describe(`KMS call economy across the boundary (${ECONOMY_FILES} files, double wrapping, one cache lifetime)`, () => {
    const ONE_EACH = { kf: 1, kc1: 1, kc2: 1 }

    it('pme writes the files with one KEK per master key: one wrap each, KEK ids shared by all files', async () => {
      for (let i = 0; i < ECONOMY_FILES; i++) expect(writeErrors.get(pmeEcoFile(i)), 'pme write').toBeUndefined()
      const stats = (econKms as LocalKms).stats().byMasterKey
      for (const [mk, n] of Object.entries(ONE_EACH)) expect(stats[mk]?.wrapCalls, `wraps with ${mk}`).toBe(n)
      const kekIds = new Map<string, Set<string>>()
      for (let i = 0; i < ECONOMY_FILES; i++) {
        const keys = await fileKeys(pmeEcoFile(i), OLD_LIST)
        for (const record of [keys.footer, ...keys.columns.values()]) {
          const mk = record.material.masterKeyID as string
          kekIds.set(mk, (kekIds.get(mk) ?? new Set()).add(record.material.keyEncryptionKeyID as string))
        }
      }
      expect([...kekIds.keys()].sort(), 'master keys').toEqual(Object.keys(ONE_EACH).sort())
      for (const [mk, ids] of kekIds) expect(ids.size, `KEK ids of ${mk} over all files`).toBe(1)
    })

    it('pyarrow reads them with one CryptoFactory: one unwrap per master key in total', () => {
      let last: PyKmsRead | undefined
      for (let i = 0; i < ECONOMY_FILES; i++) {
        last = resultOf<PyKmsRead>(batch1, `read pme eco ${i}`)
        expectPyOk(last, `pyarrow read ${i}`)
        expectValues(last.columns, PME_SHAPE, `pyarrow read ${i}`)
      }
      const calls = (last as Extract<PyKmsRead, { ok: true }>).kms_calls
      expect(calls.unwrap, 'unwraps per master key').toEqual(ONE_EACH)
      expect(calls.wrap, 'wraps').toEqual({})
    })

    it('pyarrow writes them with one CryptoFactory, pme reads them with one: one wrap, one unwrap per master key', async () => {
      let last: PyKmsWrite | undefined
      for (let i = 0; i < ECONOMY_FILES; i++) {
        last = resultOf<PyKmsWrite>(batch1, `write pyarrow eco ${i}`)
        expectPyOk(last, `pyarrow write ${i}`)
      }
      expect((last as Extract<PyKmsWrite, { ok: true }>).kms_calls.wrap, 'pyarrow wraps per master key').toEqual(
        ONE_EACH,
      )
      const { kms, factory } = factoryWith(OLD_LIST)
      for (let i = 0; i < ECONOMY_FILES; i++) {
        const read = await pmeRead(pyEcoFile(i), factory, PYARROW_SHAPE)
        expectValues(read.columns, PYARROW_SHAPE, `pme read ${i}`)
      }
      const stats = kms.stats()
      for (const [mk, n] of Object.entries(ONE_EACH)) {
        expect(stats.byMasterKey[mk]?.unwrapCalls, `pme unwraps with ${mk}`).toBe(n)
      }
      expect(stats.total.unwrapCalls, 'pme unwraps in total').toBe(3)
      expect(stats.total.wrapCalls, 'pme wraps').toBe(0)
    })
  })
})
