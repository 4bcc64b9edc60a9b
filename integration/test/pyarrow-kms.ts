/**
 * Helpers of the KMS interop suite (pyarrow-kms.test.ts): the python/pyarrow_kms.py batch runner,
 * the master keys, the data, and PKMT1 key material read straight from the files and unwrapped with
 * node:crypto, so that the checks on key material do not depend on pme's key tools.
 */
import { spawnSync } from 'node:child_process'
import { type CipherGCMTypes, createDecipheriv, createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { type ColumnReport, CryptoFactory, type FileReport } from '@pme/core'
import { LocalKms, localKmsClientFactory } from '@pme/kms-local'
import { integrationDir } from '../setup/paths.js'
import { testKey } from './crypto-modes.js'
import { type DataShape, pmeSchema, type ShapeColumn } from './data-shapes.js'
import type { CompareJob, PyColumn, PyFailure } from './pyarrow-crypto.js'

export const pyarrowKmsScript = path.join(integrationDir, 'python', 'pyarrow_kms.py')

// ------------------------------------------------------------------------------------ master keys

/** Master key id -> length in bytes. kf, kc1, kc2 are 16 bytes; ku (the uniform key) is 32. */
export const MASTER_KEY_LENGTHS = { kf: 16, kc1: 16, kc2: 16, ku: 32 } as const
export type MasterKeyId = keyof typeof MASTER_KEY_LENGTHS

export type MasterKeys = ReadonlyMap<string, Uint8Array>

/** Deterministic master keys; `version` 2 is the set that rotation moves to. */
export function masterKeys(version: 1 | 2): MasterKeys {
  return new Map(
    Object.entries(MASTER_KEY_LENGTHS).map(([id, length]) => [id, testKey(length, `kms ${id} v${version}`)]),
  )
}

/** parquet-java's key list format, "id: <base64>, id: <base64>". */
export const keyList = (keys: MasterKeys): string =>
  [...keys].map(([id, key]) => `${id}: ${Buffer.from(key).toString('base64')}`).join(', ')

/** The key list of only some of the master keys. */
export const keyListOf = (keys: MasterKeys, ids: readonly string[]): string =>
  keyList(new Map([...keys].filter(([id]) => ids.includes(id))))

/** pme's CryptoFactory over a LocalKms holding `lists[0]`, rotated to each further list in turn. */
export function factoryWith(...lists: string[]): { kms: LocalKms; factory: CryptoFactory } {
  const kms = new LocalKms(lists[0] as string)
  for (const list of lists.slice(1)) kms.rotate(list)
  return { kms, factory: new CryptoFactory(localKmsClientFactory(kms)) }
}

// ------------------------------------------------------------------------------------------- data

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)
const WORDS = ['', 'a', 'Zürich', 'naïve café', 'ß', '東京', '😀', 'tab\there', 'quote"', 'z']

export const ROWS = 250
export const ROW_GROUP_ROWS = 100

const FLAT_COLUMNS: ShapeColumn[] = [
  {
    name: 'id',
    type: 'int64',
    nullable: false,
    values: range(ROWS).map((i) => (i === 0 ? -(2n ** 63n) : i === 1 ? 2n ** 63n - 1n : BigInt(i) * 1_000_000_007n)),
  },
  {
    name: 'a',
    type: 'int32',
    nullable: true,
    values: range(ROWS).map((i) => (i % 7 === 3 ? null : ((i * 7919) % 20_000) - 10_000)),
  },
  {
    name: 'b',
    type: 'string',
    nullable: true,
    values: range(ROWS).map((i) => (i % 5 === 0 ? null : `${WORDS[i % WORDS.length]}#${i}`)),
  },
  {
    name: 'c',
    type: 'double',
    nullable: false,
    values: range(ROWS).map((i) =>
      i === 17 ? Number.NaN : i === 18 ? Number.POSITIVE_INFINITY : i === 19 ? 5e-324 : (i - 125) / 3,
    ),
  },
  { name: 'd', type: 'boolean', nullable: true, values: range(ROWS).map((i) => (i % 11 === 4 ? null : i % 3 === 1)) },
]

/** A nested column (struct with a list inside), encrypted by its root name in the column-key layout. */
const PERSON: ShapeColumn = {
  name: 'person',
  type: {
    struct: [
      { name: 'age', type: 'int32', nullable: true },
      { name: 'name', type: 'string', nullable: false },
      { name: 'scores', type: { list: 'int64', element_nullable: true }, nullable: true },
    ],
  },
  nullable: true,
  values: range(ROWS).map((i) =>
    i % 8 === 0
      ? null
      : {
          age: i % 5 === 0 ? null : 20 + (i % 50),
          name: `${WORDS[i % WORDS.length]}@${i}`,
          scores:
            i % 6 === 0 ? null : range(i % 4).map((k) => (k === 2 ? null : BigInt(i) * 1_000_000_000_000n + BigInt(k))),
        },
  ),
}

/** A nullable list of nullable strings, with null and empty lists. */
const TAGS: ShapeColumn = {
  name: 'tags',
  type: { list: 'string', element_nullable: true },
  nullable: true,
  values: range(ROWS).map((i) =>
    i % 7 === 0
      ? null
      : i % 7 === 1
        ? []
        : range(i % 4).map((k) => (k === 2 ? null : `${WORDS[(i + k) % WORDS.length]}~${k}`)),
  ),
}

/** A nullable map with null and empty maps and null values; keys distinct per map, never integer-like. */
const ATTRS: ShapeColumn = {
  name: 'attrs',
  type: { map: 'string', value: 'int32', value_nullable: true },
  nullable: true,
  values: range(ROWS).map((i) =>
    i % 6 === 0
      ? null
      : i % 6 === 1
        ? []
        : range(1 + (i % 3)).map((k) => [`${WORDS[(i + k) % WORDS.length]}:k${k}`, k === 1 ? null : i * 10 + k]),
  ),
}

const isNested = (column: ShapeColumn): boolean => typeof column.type !== 'string'

function shape(id: string, columns: ShapeColumn[]): DataShape {
  return {
    id,
    rows: ROWS,
    columns,
    pme: {
      // nested columns need the schema (data-shapes.ts pmeSchema); flat ones take their types from the data
      options: { rowGroupSize: ROW_GROUP_ROWS, ...(columns.some(isNested) ? { schema: pmeSchema(columns) } : {}) },
      batches: 1,
    },
    pyarrow: { row_group_size: ROW_GROUP_ROWS },
    dictionaryColumns: [],
    multiPage: false,
  }
}

/** What pme writes in the matrix: flat columns. */
export const PME_SHAPE = shape('kms-flat', FLAT_COLUMNS)
/** What pyarrow writes: the flat columns and a nested struct/list column. */
export const PYARROW_SHAPE = shape('kms-nested', [...FLAT_COLUMNS, PERSON])
/** What pme writes in the nested cells (with an explicit schema): the flat columns, a list, a struct and a map. */
export const PME_NESTED_SHAPE = shape('kms-nested-pme', [...FLAT_COLUMNS, TAGS, PERSON, ATTRS])

// --------------------------------------------------------------------------------- python driver

export interface KmsCalls {
  wrap: Record<string, number>
  unwrap: Record<string, number>
  /** KMS clients pyarrow's factory asked for. */
  clients: number
}

/** The Python KMS client's master keys: "id: <base64>, ..."; new_key_list adds newer versions (rotation). */
export interface PyKms {
  key_list: string
  new_key_list?: string
}

export interface PyKmsJobBase {
  id: string
  file: string
  kms: PyKms
  /** Jobs of one session share a CryptoFactory (its caches) and the KMS call counters. */
  session?: string
}

/** pyarrow's EncryptionConfiguration keyword arguments. */
export interface PyEncryptionConfig {
  footer_key: string
  column_keys?: Record<string, string[]>
  uniform_encryption?: boolean
  encryption_algorithm: string
  plaintext_footer: boolean
  double_wrapping: boolean
  internal_key_material: boolean
  data_key_length_bits: number
}

export type PyKmsJob =
  /** kms null: no decryption properties; select: read only these columns. */
  | (Omit<PyKmsJobBase, 'kms'> & { op: 'read'; kms: PyKms | null; select?: string[] })
  | (PyKmsJobBase & {
      op: 'write'
      columns: PyColumn[]
      config: PyEncryptionConfig
      options?: Record<string, unknown>
      self_read?: boolean
    })
  | (PyKmsJobBase & { op: 'rotate'; double_wrapping: boolean })
  /** python/pyarrow_crypto.py's comparison, the candidate decrypted through the CryptoFactory (kms null: plaintext). */
  | (CompareJob & { op: 'compare'; kms: PyKms | null; session?: string })

/** A whole file as pyarrow read it, values in python/read_plain.py's JSON form. */
export interface PyKmsReadFacts {
  ok: true
  num_rows: number
  num_row_groups: number
  columns: Record<string, unknown[]>
}

export type PyKmsRead = (PyKmsReadFacts & { kms_calls: KmsCalls }) | PyFailure
export type PyKmsWrite = { ok: true; kms_calls: KmsCalls; self_read?: PyKmsReadFacts | PyFailure } | PyFailure
export type PyKmsRotate = { ok: true; kms_calls: KmsCalls } | PyFailure

/** Runs a batch of jobs in one Python process and returns the results by job id. */
export function runPyarrowKms(python: string, jobs: PyKmsJob[]): Map<string, unknown> {
  const r = spawnSync(python, [pyarrowKmsScript], {
    input: JSON.stringify(jobs),
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: 120_000,
  })
  if (r.error) throw new Error(`cannot run ${python}: ${r.error.message}`)
  if (r.status !== 0) throw new Error(`pyarrow_kms.py failed (exit ${r.status}):\n${r.stderr}`)
  const output = JSON.parse(r.stdout) as { results: { id: string }[] }
  const byId = new Map<string, unknown>(output.results.map((result) => [result.id, result]))
  if (byId.size !== jobs.length) throw new Error(`pyarrow_kms.py answered ${byId.size} of ${jobs.length} jobs`)
  return byId
}

// ------------------------------------------------------------------------------------ file bytes

export const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex')

/** The last four bytes: PAR1 (plaintext footer) or PARE (encrypted footer). */
export function trailingMagic(file: string): string {
  const bytes = readFileSync(file)
  return bytes.subarray(bytes.length - 4).toString('latin1')
}

/** parquet-java's HadoopFSKeyMaterialStore naming. */
export const keyMaterialFile = (file: string): string =>
  path.join(path.dirname(file), `_KEY_MATERIAL_FOR_${path.basename(file)}.json`)

/** The external key material file: reference -> the key material JSON, which is stored as a string. */
export function readKeyMaterialStore(file: string): Record<string, string> {
  const store = JSON.parse(readFileSync(keyMaterialFile(file), 'utf8')) as Record<string, unknown>
  for (const [reference, material] of Object.entries(store)) {
    if (typeof material !== 'string') throw new Error(`${keyMaterialFile(file)}: entry ${reference} is not a string`)
  }
  return store as Record<string, string>
}

export const hasKeyMaterialFile = (file: string): boolean => existsSync(keyMaterialFile(file))

// ------------------------------------------------------------------------------------ key material

export type Json = Record<string, unknown>

/** One data key as the file describes it: its key_metadata JSON and the key material it leads to. */
export interface KeyRecord {
  metadata: Json
  /** The key material itself: the metadata (internal storage) or the store entry it references. */
  material: Json
  /** The store entry name, for external key material. */
  reference?: string
}

const parseJson = (text: string, what: string): Json => {
  const value = JSON.parse(text) as unknown
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${what} is not an object`)
  return value as Json
}

/** Key metadata text as the inspection report carries it (it must be UTF-8 text). */
export function metadataText(
  view: FileReport['footerKeyMetadata'] | ColumnReport['keyMetadata'],
  what: string,
): string {
  if (!view) throw new Error(`${what}: no key metadata`)
  if (!('text' in view)) throw new Error(`${what}: key metadata is not UTF-8 (hex ${view.hex})`)
  return view.text
}

/** The key record of one key_metadata value; external material is looked up in the store of `file`. */
export function keyRecord(text: string, file: string, what: string): KeyRecord {
  const metadata = parseJson(text, `${what} key metadata`)
  if (metadata.internalStorage === false) {
    const reference = metadata.keyReference
    if (typeof reference !== 'string') throw new Error(`${what}: external key metadata without keyReference`)
    const entry = readKeyMaterialStore(file)[reference]
    if (entry === undefined) throw new Error(`${what}: no entry ${reference} in ${keyMaterialFile(file)}`)
    return { metadata, material: parseJson(entry, `${what} key material ${reference}`), reference }
  }
  return { metadata, material: metadata }
}

/** The PKMT1 fields a key material must have (pme-reference §6), sorted. */
export function expectedMaterialFields(options: { footer: boolean; double: boolean; internal: boolean }): string[] {
  return [
    'keyMaterialType',
    ...(options.internal ? ['internalStorage'] : []),
    'isFooterKey',
    ...(options.footer ? ['kmsInstanceID', 'kmsInstanceURL'] : []),
    'masterKeyID',
    'wrappedDEK',
    'doubleWrapping',
    ...(options.double ? ['keyEncryptionKeyID', 'wrappedKEK'] : []),
  ].sort()
}

export const EXTERNAL_METADATA_FIELDS = ['internalStorage', 'keyMaterialType', 'keyReference']

export const sortedKeys = (json: Json): string[] => Object.keys(json).sort()

// ------------------------------------------------------------------------- independent unwrapping

const STANDARD_BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

/** Standard padded base64 only (what the references write), as bytes. */
export function strictBase64(text: unknown, what: string): Buffer {
  if (typeof text !== 'string' || !STANDARD_BASE64.test(text) || text.length % 4 !== 0) {
    throw new Error(`${what} is not standard padded base64: ${String(text)}`)
  }
  return Buffer.from(text, 'base64')
}

/** base64(nonce12 || ciphertext || tag16) opened with AES-GCM: KeyToolkit.decryptKeyLocally, by node:crypto. */
export function openWrapped(wrapped: unknown, key: Uint8Array, aad: Uint8Array, what: string): Buffer {
  const bytes = strictBase64(wrapped, what)
  if (bytes.length < 28) throw new Error(`${what} is too short (${bytes.length} bytes)`)
  const decipher = createDecipheriv(`aes-${key.length * 8}-gcm` as CipherGCMTypes, key, bytes.subarray(0, 12))
  decipher.setAAD(aad)
  decipher.setAuthTag(bytes.subarray(bytes.length - 16))
  return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()])
}

export interface Unwrapped {
  dek: Buffer
  /** Double wrapping only. */
  kek?: Buffer
  kekId?: Buffer
}

/**
 * The data key of a key material, unwrapped as InMemoryKMS / TestOnlyInServerWrapKms would: the KEK
 * (or, single-wrapped, the DEK) with the master key and AAD = UTF-8(masterKeyID); the DEK with the
 * KEK and AAD = the raw 16-byte KEK id.
 */
export function unwrapMaterial(material: Json, keys: MasterKeys, what: string): Unwrapped {
  const masterKeyId = material.masterKeyID
  if (typeof masterKeyId !== 'string') throw new Error(`${what}: masterKeyID is not a string`)
  const masterKey = keys.get(masterKeyId)
  if (!masterKey) throw new Error(`${what}: unknown master key ${masterKeyId}`)
  const idAad = Buffer.from(masterKeyId, 'utf8')
  if (material.doubleWrapping !== true) {
    return { dek: openWrapped(material.wrappedDEK, masterKey, idAad, `${what} wrappedDEK`) }
  }
  const kekId = strictBase64(material.keyEncryptionKeyID, `${what} keyEncryptionKeyID`)
  const kek = openWrapped(material.wrappedKEK, masterKey, idAad, `${what} wrappedKEK`)
  return { dek: openWrapped(material.wrappedDEK, kek, kekId, `${what} wrappedDEK`), kek, kekId }
}
