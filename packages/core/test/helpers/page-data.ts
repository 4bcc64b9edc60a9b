import { type ColumnSource, parquetWriteBuffer } from 'hyparquet-writer'
import { type CodecName, compressorsFor } from '../../src/pages/codecs.js'

/*
 * A table with every level shape a page can have, written by hyparquet-writer (DATA_PAGE_V2 pages):
 *   id     INT32 REQUIRED                  no levels
 *   score  DOUBLE OPTIONAL                 definition levels
 *   name   UTF8 OPTIONAL                   definition levels, dictionary encoded (few distinct values)
 *   note   UTF8 OPTIONAL                   long distinct strings: pages of hundreds of KiB
 *   tags   LIST<INT32 OPTIONAL> OPTIONAL   repetition levels; null lists, empty lists, null elements
 *   s      STRUCT<a INT32 OPTIONAL, b UTF8 REQUIRED> OPTIONAL
 *   m      LIST<LIST<INT32 OPTIONAL> OPTIONAL> OPTIONAL   repetition level 2
 */

export type Row = Record<string, unknown>

const SCHEMA = [
  { name: 'root', num_children: 7 },
  { name: 'id', type: 'INT32', repetition_type: 'REQUIRED' },
  { name: 'score', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
  { name: 'name', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  { name: 'note', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  { name: 'tags', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', type: 'INT32', repetition_type: 'OPTIONAL' },
  { name: 's', repetition_type: 'OPTIONAL', num_children: 2 },
  { name: 'a', type: 'INT32', repetition_type: 'OPTIONAL' },
  { name: 'b', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  { name: 'm', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', type: 'INT32', repetition_type: 'OPTIONAL' },
] as const

/** Deterministic pseudo-random integers (a linear congruential generator), so failures reproduce. */
function generator(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state
  }
}

function note(next: () => number): string {
  return Array.from({ length: 12 }, () => next().toString(36)).join(' ')
}

/** `count` rows; every column is null (or empty) for some of them. */
export function tableRows(count: number, seed = 1): Row[] {
  const next = generator(seed)
  return Array.from({ length: count }, (_, i) => ({
    id: i,
    score: i % 3 === 0 ? null : i / 4,
    name: i % 7 === 0 ? null : `name-${i % 5}`,
    note: i % 11 === 0 ? null : note(next),
    tags: i % 5 === 0 ? null : i % 5 === 1 ? [] : [i, null, next() % 1000],
    s: i % 4 === 0 ? null : { a: i % 3 === 0 ? null : i, b: `b${i}` },
    m: i % 6 === 0 ? null : [[i], [], null, [i, null, i + 1]],
  }))
}

const TOP_LEVEL = ['id', 'score', 'name', 'note', 'tags', 's', 'm'] as const

function columnData(rows: readonly Row[]): ColumnSource[] {
  return TOP_LEVEL.map((name) => ({ name, data: rows.map((row) => row[name]) }))
}

/** The rows as a plaintext Parquet file of DATA_PAGE_V2 pages, compressed by our compressors. */
export function writeV2File(rows: readonly Row[], codec: CodecName, pageSize?: number): Uint8Array {
  const buffer = parquetWriteBuffer({
    columnData: columnData(rows),
    schema: SCHEMA as never,
    codec,
    compressors: compressorsFor(codec),
    ...(pageSize === undefined ? {} : { pageSize }),
  })
  return new Uint8Array(buffer)
}

/** hyparquet returns a null list or group as undefined (a null leaf as null): make both null. */
export function nullsAsNull(value: unknown): unknown {
  if (value === undefined || value === null) return null
  if (Array.isArray(value)) return value.map(nullsAsNull)
  if (typeof value === 'object' && !(value instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, nullsAsNull(entry)]))
  }
  return value
}
