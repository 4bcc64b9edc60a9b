import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest'
import { pme, stderrLines } from './cli.js'
import {
  baField,
  COLUMNS,
  doubleField,
  expectedInt96,
  expectedValues,
  int32Field,
  nullCount,
  numericStats,
  ROWS,
} from './generator.js'
import { readPlain } from './read-plain.js'

const dataDir = inject('pmeTestDataDir')
const python = inject('pmePython')

/** Keys of the 128-bit files are ASCII digit strings (pme-reference §8). */
const KEYS = { kf: '0123456789012345', kc1: '1234567890123450', kc2: '1234567890123451' }
const KEY_LIST = Object.entries(KEYS)
  .map(([id, key]) => `${id}: ${Buffer.from(key, 'ascii').toString('base64')}`)
  .join(', ')
const AAD_PREFIX = 'tester'

const FILES: { name: string; aadPrefix?: string }[] = [
  { name: 'uniform_encryption' },
  { name: 'encrypt_columns_and_footer' },
  { name: 'encrypt_columns_and_footer_aad' },
  { name: 'encrypt_columns_and_footer_ctr' },
  { name: 'encrypt_columns_and_footer_disable_aad_storage', aadPrefix: AAD_PREFIX },
  { name: 'encrypt_columns_plaintext_footer' },
]

function decryptArgs(input: string, output: string, aadPrefix?: string): string[] {
  const args = ['decrypt', input, '-o', output, '--key-list', KEY_LIST]
  return aadPrefix === undefined ? args : [...args, '--aad-prefix', aadPrefix]
}

const skipReason = dataDir === null ? ' (SKIPPED: parquet-testing data not found; set PARQUET_TEST_DATA)' : ''

describe.skipIf(dataDir === null)(`pme decrypt -> pyarrow reads the plaintext${skipReason}`, () => {
  const source = (name: string) => path.join(dataDir ?? '', `${name}.parquet.encrypted`)
  let outDir = ''

  beforeEach(() => {
    outDir = mkdtempSync(path.join(tmpdir(), 'pme-integration-'))
  })
  afterEach(() => {
    rmSync(outDir, { recursive: true, force: true })
  })

  it.each(FILES)('$name', ({ name, aadPrefix }) => {
    const output = path.join(outDir, `${name}.parquet`)
    const run = pme(decryptArgs(source(name), output, aadPrefix))
    expect(run.status, `pme decrypt exit code (stderr: ${run.stderr})`).toBe(0)
    expect(existsSync(output)).toBe(true)

    const facts = readPlain(python, output)

    // Rows
    expect(facts.num_rows).toBe(ROWS)
    expect(facts.table_num_rows).toBe(ROWS)
    expect(facts.row_groups.reduce((n, rg) => n + rg.num_rows, 0)).toBe(ROWS)

    // Every value of every column, against the generator
    expect(Object.keys(facts.columns)).toEqual([...COLUMNS])
    const expected = expectedValues()
    for (const column of COLUMNS) {
      const actual = facts.columns[column]?.values
      expect(actual, `${column} values`).toHaveLength(ROWS)
      expect(actual, `${column} values`).toStrictEqual(expected[column])
    }
    // INT96: the recovered true instant and words [i, i+1, i+2]
    expect(facts.int96.int96_field).toStrictEqual(expectedInt96())

    // Per column chunk metadata
    for (const rg of facts.row_groups) {
      expect(rg.columns.map((c) => c.path)).toEqual([...COLUMNS])
      for (const chunk of rg.columns) {
        expect(chunk.has_offset_index, `${chunk.path} has_offset_index`).toBe(true)
        // The C++ writer keeps no statistics, hence no column index, for INT96 (undefined sort order):
        // the source files have none for int96_field, so only the other columns must keep theirs.
        if (chunk.physical_type !== 'INT96') {
          expect(chunk.has_column_index, `${chunk.path} has_column_index`).toBe(true)
        }
      }
    }

    // Statistics of int32_field and double_field, against the generator (single row group)
    expect(facts.row_groups).toHaveLength(1)
    const chunks = facts.row_groups[0]?.columns ?? []
    const statsOf = (column: string) => chunks.find((c) => c.path === column)?.statistics
    for (const [column, f] of [
      ['int32_field', int32Field],
      ['double_field', doubleField],
    ] as const) {
      const stats = statsOf(column)
      const want = numericStats(f)
      expect(stats?.has_min_max, `${column} has_min_max`).toBe(true)
      // Number() turns a -0.0 min (legal for a zero minimum) into a value that compares equal to 0
      expect(Number(stats?.min) === want.min, `${column} min ${stats?.min} == ${want.min}`).toBe(true)
      expect(stats?.max, `${column} max`).toBe(want.max)
      expect(stats?.null_count, `${column} null_count`).toBe(nullCount(f))
    }
    expect(statsOf('ba_field')?.null_count, 'ba_field null_count').toBe(nullCount(baField))
  })

  it('refuses encrypt_columns_and_footer_disable_aad_storage without --aad-prefix', () => {
    const name = 'encrypt_columns_and_footer_disable_aad_storage'
    const output = path.join(outDir, `${name}.parquet`)
    const run = pme(decryptArgs(source(name), output))

    expect(run.status, 'exit code').not.toBe(0)
    expect(run.status, 'exit code (killed by a signal?)').not.toBeNull()
    const lines = stderrLines(run)
    expect(lines, `stderr: ${run.stderr}`).toHaveLength(1)
    expect(lines[0]).toMatch(/aad[\s_-]?prefix/i)
    expect(existsSync(output)).toBe(false)
    expect(readdirSync(outDir), 'output directory must stay empty (no partial or temp files)').toEqual([])
  })
})
