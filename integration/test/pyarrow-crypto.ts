import { spawnSync } from 'node:child_process'
import { pyarrowCryptoScript } from '../setup/paths.js'
import type { ColumnChunkFacts } from './read-plain.js'

/** Data and AAD prefixes travel to Python as lowercase hex. */
export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/** What pyarrow reported for an exception: its Python type and the first line of its message. */
export interface PyFailure {
  ok: false
  error_type: string
  error: string
}

export interface ChunkFacts extends ColumnChunkFacts {
  has_dictionary_page: boolean
  dictionary_page_offset: number | null
  data_page_offset: number
  encodings: string[]
}

/** The encryption parameters a file's tail states (python/pyarrow_crypto.py file_encryption). */
export interface FileTailEncryption {
  magic: 'PAR1' | 'PARE'
  algorithm: 'AES_GCM_V1' | 'AES_GCM_CTR_V1' | null
  /** Hex of the stored AAD prefix; null when none is stored. */
  aad_prefix: string | null
  supply_aad_prefix: boolean | null
}

/** A whole file as pyarrow read it; values in python/read_plain.py's JSON form. */
export interface PyReadFacts {
  ok: true
  num_rows: number
  num_row_groups: number
  row_group_rows: number[]
  columns: Record<string, { arrow_type: string; values: unknown[] }>
  /** Per row group, per leaf column. */
  chunks: ChunkFacts[][]
  /**
   * Per row group and leaf column: how many length-prefixed modules tile the column chunk exactly,
   * or null when they do not. In an encrypted chunk each page is two modules (header, body).
   */
  modules: (number | null)[][]
  encryption: FileTailEncryption
}

/** Uniform encryption with pyarrow's low-level API (create_encryption_properties / create_decryption_properties). */
export interface PyCrypto {
  /** Footer key (hex): in pyarrow 25's low-level API it also encrypts every column. */
  key: string
  aad_prefix?: string
}

/** Column types the driver can build (python/pyarrow_crypto.py arrow_type). */
export type PyScalarType = 'int32' | 'int64' | 'double' | 'boolean' | 'string'
export type PyColumnType =
  | PyScalarType
  | { list: PyColumnType; element_nullable: boolean }
  | { struct: { name: string; type: PyColumnType; nullable: boolean }[] }
  /** A MAP: keys of a scalar type (required, as Parquet wants them), values of any type. */
  | { map: PyScalarType; value: PyColumnType; value_nullable: boolean }

export interface PyColumn {
  name: string
  type: PyColumnType
  nullable: boolean
  /** JSON values: int64 as decimal strings, maps as [key, value] pairs. */
  values: unknown[]
}

export type PyJob =
  | ({ op: 'read'; id: string; file: string } & Partial<PyCrypto>)
  | ({
      op: 'write'
      id: string
      file: string
      columns: PyColumn[]
      algorithm: 'AES_GCM_V1' | 'AES_GCM_CTR_V1'
      plaintext_footer: boolean
      store_aad_prefix: boolean
      /** Keyword arguments of pq.write_table. */
      options: Record<string, unknown>
    } & PyCrypto)
  | ({ op: 'compare'; checksums?: boolean } & CompareJob & Partial<PyCrypto>)
  | { op: 'leaves'; id: string; file: string }

/** What both drivers' "compare" jobs take (python/pyarrow_crypto.py compare_files). */
export interface CompareJob {
  id: string
  original: string
  candidate: string
  /** No column may show statistics (a plaintext footer over footer-key columns); else they equal the original's. */
  redacted_statistics?: boolean
}

export type PyReadResult = PyReadFacts | PyFailure
/** The leaf columns of a file's schema as pyarrow names them (dot paths). */
export type PyLeavesResult = { ok: true; leaves: string[] } | PyFailure
export type PyWriteResult = { ok: true; encryption: FileTailEncryption; self_read: PyReadResult } | PyFailure
export type PyCompareResult =
  | {
      ok: true
      original: { ok: true; num_rows: number } | PyFailure
      candidate: { ok: true; num_rows: number; encryption: FileTailEncryption } | PyFailure
      /** Only when pyarrow cannot read the original: whether the candidate fails with the same message. */
      same_error?: boolean
      /** Empty when the candidate matches the original. */
      differences: string[]
      /** With `checksums`: null when every page CRC verified, else pyarrow's error. */
      checksums?: { original: string | null; candidate: string | null }
    }
  | PyFailure

/**
 * Runs a batch of jobs in one Python process (python/pyarrow_crypto.py) and returns the results by
 * job id. One process for many checks keeps the suite fast; a job that fails is reported in its
 * result, so one failure never hides the others.
 */
export function runPyarrow(python: string, jobs: PyJob[]): Map<string, unknown> {
  const r = spawnSync(python, [pyarrowCryptoScript], {
    input: JSON.stringify(jobs),
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
    timeout: 300_000,
  })
  if (r.error) throw new Error(`cannot run ${python}: ${r.error.message}`)
  if (r.status !== 0) throw new Error(`pyarrow_crypto.py failed (exit ${r.status}):\n${r.stderr}`)
  const output = JSON.parse(r.stdout) as { results: ({ id: string } & Record<string, unknown>)[] }
  const byId = new Map<string, unknown>()
  for (const result of output.results) byId.set(result.id, result)
  if (byId.size !== jobs.length) throw new Error(`pyarrow_crypto.py answered ${byId.size} of ${jobs.length} jobs`)
  return byId
}

/** The result of one job, typed by the caller. Throws if the batch did not run it. */
export function resultOf<T>(results: Map<string, unknown> | undefined, id: string): T {
  const result = results?.get(id)
  if (result === undefined) throw new Error(`no pyarrow result for ${id} (did the batch in beforeAll fail?)`)
  return result as T
}

/** For messages: a failure as one line. */
export const describeFailure = (r: { ok: true } | PyFailure): string => (r.ok ? 'ok' : `${r.error_type}: ${r.error}`)
