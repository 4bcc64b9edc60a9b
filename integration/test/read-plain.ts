import { spawnSync } from 'node:child_process'
import { readPlainScript } from '../setup/paths.js'

export interface ColumnChunkFacts {
  path: string
  physical_type: string
  compression: string
  num_values: number
  has_column_index: boolean
  has_offset_index: boolean
  statistics: {
    has_min_max: boolean
    min: number | string | boolean | null
    max: number | string | boolean | null
    null_count: number | null
  } | null
}

/** JSON printed by python/read_plain.py. */
export interface PlainFileFacts {
  pyarrow_version: string
  num_rows: number
  table_num_rows: number
  num_row_groups: number
  columns: Record<string, { arrow_type: string; values: unknown[] }>
  int96: Record<string, { ns: (string | null)[]; words: ([number, number, number] | null)[] }>
  row_groups: { num_rows: number; columns: ColumnChunkFacts[] }[]
}

/** Reads a plaintext Parquet file with pyarrow (via the venv interpreter). */
export function readPlain(python: string, file: string): PlainFileFacts {
  const r = spawnSync(python, [readPlainScript, file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  if (r.error) throw new Error(`cannot run ${python}: ${r.error.message}`)
  if (r.status !== 0) throw new Error(`read_plain.py failed on ${file} (exit ${r.status}):\n${r.stderr}`)
  return JSON.parse(r.stdout) as PlainFileFacts
}
