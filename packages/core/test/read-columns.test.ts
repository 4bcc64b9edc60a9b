import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MissingKeyError, UsageError } from '../src/errors.js'
import { readColumnGroups, readColumns } from '../src/read/read-columns.js'
import { readParquet } from '../src/read/read-parquet.js'
import type { EncryptionProperties } from '../src/write/encryption-properties.js'
import { type ColumnData, type SchemaElement, writeParquet } from '../src/write/parquet-writer.js'
import { expectPmeError } from './helpers/errors.js'

/*
 * readColumns on files pme writes: typed arrays, leaf-level projection of structs, lists and maps
 * (a leaf not asked for is not read and needs no key), row-group selection and the streaming form.
 */

const ROWS = 50
const ascii = (text: string) => new TextEncoder().encode(text)
const key = (seed: number) => Uint8Array.from({ length: 16 }, (_, i) => (seed * 17 + i) & 0xff)
const KEYS: Record<string, Uint8Array> = { kf: key(1), kid: key(2), kcity: key(3), kzip: key(4) }

/** Each struct leaf under its own key: reading one must not need the other's. */
const encryption: EncryptionProperties = {
  footerKey: { key: KEYS.kf as Uint8Array, keyMetadata: ascii('kf') },
  columnKeys: {
    amount: { key: KEYS.kid as Uint8Array, keyMetadata: ascii('kid') },
    'address.city': { key: KEYS.kcity as Uint8Array, keyMetadata: ascii('kcity') },
    'address.zip': { key: KEYS.kzip as Uint8Array, keyMetadata: ascii('kzip') },
  },
  completeColumns: true,
}

const schema: SchemaElement[] = [
  { name: 'root', num_children: 5 },
  { name: 'id', type: 'INT64', repetition_type: 'REQUIRED' },
  { name: 'amount', type: 'DOUBLE', repetition_type: 'REQUIRED' },
  { name: 'address', repetition_type: 'OPTIONAL', num_children: 2 },
  { name: 'city', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  { name: 'zip', type: 'INT32', repetition_type: 'REQUIRED' },
  { name: 'tags', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  { name: 'attrs', repetition_type: 'OPTIONAL', converted_type: 'MAP', num_children: 1 },
  { name: 'key_value', repetition_type: 'REPEATED', num_children: 2 },
  { name: 'key', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  { name: 'value', type: 'INT32', repetition_type: 'OPTIONAL' },
]

const ids = Array.from({ length: ROWS }, (_, i) => BigInt(i) * 1_000_000_007n)
const amounts = Array.from({ length: ROWS }, (_, i) => i / 4)
const addresses = Array.from({ length: ROWS }, (_, i) =>
  i % 7 === 0 ? null : { city: i % 3 === 0 ? null : `city ${i}`, zip: 1000 + i },
)
const tags = Array.from({ length: ROWS }, (_, i) =>
  i % 5 === 0 ? null : Array.from({ length: i % 3 }, (_, k) => (k === 1 ? null : `t${i}.${k}`)),
)
const attrs = Array.from({ length: ROWS }, (_, i) =>
  i % 6 === 0 ? null : Object.fromEntries(Array.from({ length: i % 3 }, (_, k) => [`k${k}`, k === 1 ? null : i * k])),
)
const data: ColumnData[] = [
  { name: 'id', data: BigInt64Array.from(ids) },
  { name: 'amount', data: Float64Array.from(amounts) },
  { name: 'address', data: addresses },
  { name: 'tags', data: tags },
  { name: 'attrs', data: attrs },
]

/** hyparquet assembles a null struct, list or map as undefined (readParquet's rows always did). */
const assembled = <T>(values: readonly (T | null)[]) => values.map((value) => value ?? undefined)

let dir: string
let plainPath: string
let encryptedPath: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pme-columns-'))
  plainPath = join(dir, 'plain.parquet')
  encryptedPath = join(dir, 'encrypted.parquet')
  await writeParquet(plainPath, { columns: data }, { schema, rowGroupSize: 20 })
  await writeParquet(encryptedPath, { columns: data }, { schema, rowGroupSize: 20, encryption })
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const allKeys = { keyRetriever: (metadata: Uint8Array) => KEYS[new TextDecoder().decode(metadata)] }
const keysBut = (...missing: string[]) => ({
  keyRetriever: (metadata: Uint8Array) => {
    const id = new TextDecoder().decode(metadata)
    return missing.includes(id) ? undefined : KEYS[id]
  },
})

describe('readColumns', () => {
  it('returns every column, numbers as typed arrays, the same for plain and encrypted files', async () => {
    for (const [path, keys] of [
      [() => plainPath, {}],
      [() => encryptedPath, allKeys],
    ] as const) {
      const { numRows, columns } = await readColumns(path(), keys)
      expect(numRows).toBe(ROWS)
      expect(Object.keys(columns)).toEqual(['id', 'amount', 'address', 'tags', 'attrs'])
      expect(columns.id).toBeInstanceOf(BigInt64Array)
      expect([...(columns.id as BigInt64Array)]).toEqual(ids)
      expect(columns.amount).toBeInstanceOf(Float64Array)
      expect([...(columns.amount as Float64Array)]).toEqual(amounts)
      expect(columns.address).toEqual(assembled(addresses))
      expect(columns.tags).toEqual(assembled(tags))
      expect(columns.attrs).toEqual(assembled(attrs))
    }
  })

  it('reads one field of a struct without the key of the other', async () => {
    const options = { ...keysBut('kzip'), columns: ['id', 'address.city'] }
    const { columns } = await readColumns(encryptedPath, options)
    expect(Object.keys(columns)).toEqual(['id', 'address'])
    expect(columns.address).toEqual(assembled(addresses.map((a) => (a === null ? null : { city: a.city }))))
    // The rows API projects the same way.
    const rows = await readParquet(encryptedPath, options)
    expect(rows).toEqual(ids.map((id, i) => ({ id, address: columns.address?.[i] })))
  })

  it('fails with MissingKeyError naming the leaf when a selected leaf has no key', async () => {
    const error = await readColumns(encryptedPath, { ...keysBut('kzip'), columns: ['address'] }).catch((e) => e)
    expectPmeError(error, MissingKeyError, 'PME_MISSING_KEY', { column: 'address.zip' })
  })

  it('reads a list element and a map value by their leaf paths', async () => {
    const { columns } = await readColumns(plainPath, { columns: ['tags.list.element', 'attrs.key_value.value'] })
    expect(columns.tags).toEqual(assembled(tags))
    // A map read without its keys is its Parquet group: key_value entries holding the selected leaf.
    const entries = (map: Record<string, number | null>) => ({
      key_value: Object.values(map).map((value) => ({ value })),
    })
    expect(columns.attrs).toEqual(assembled(attrs.map((map) => (map === null ? null : entries(map)))))
  })

  it('selects row groups, and streams one batch per row group', async () => {
    const { numRows, columns } = await readColumns(encryptedPath, { ...allKeys, rowGroups: [2, 0], columns: ['id'] })
    expect(numRows).toBe(30)
    expect([...(columns.id as BigInt64Array)]).toEqual([...ids.slice(40), ...ids.slice(0, 20)])
    const batches: { rowGroup: number; numRows: number; first: unknown }[] = []
    for await (const batch of readColumnGroups(encryptedPath, { ...allKeys, columns: ['amount'] })) {
      batches.push({ rowGroup: batch.rowGroup, numRows: batch.numRows, first: batch.columns.amount?.[0] })
    }
    expect(batches).toEqual([
      { rowGroup: 0, numRows: 20, first: amounts[0] },
      { rowGroup: 1, numRows: 20, first: amounts[20] },
      { rowGroup: 2, numRows: 10, first: amounts[40] },
    ])
  })

  it('reads a VARIANT whole when one of its two leaves is asked for', async () => {
    const path = join(dir, 'variant.parquet')
    const values = [{ a: 1, b: ['x'] }, 'text', null]
    const n = Int32Array.from([1, 2, 3])
    await writeParquet(path, {
      columns: [
        { name: 'v', data: values, type: 'VARIANT' },
        { name: 'n', data: n },
      ],
    })
    const { columns } = await readColumns(path, { columns: ['v.value'] })
    expect(columns).toEqual({ v: values })
  })

  it.each([[{ columns: ['address.town'] }], [{ rowGroups: [3] }], [{ rowGroups: [-1] }]])(
    'rejects %j with UsageError',
    async (options) => {
      const error = await readColumns(plainPath, options).catch((e) => e)
      expectPmeError(error, UsageError, 'PME_USAGE', {})
    },
  )
})
