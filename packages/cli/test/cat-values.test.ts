import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { tempDir } from './fixtures.js'
import { pme } from './run-pme.js'

/**
 * pme cat prints values exactly. The file is written by pyarrow (an independent writer, from the
 * repository's pinned venv, which `pnpm test` provisions), and the expected text is written out here.
 */
const python = fileURLToPath(new URL('../../../.cache/venv/bin/python', import.meta.url))
const hasPython = existsSync(python)
if (!hasPython) console.warn(`pyarrow venv not found at ${python}: run integration/setup/python-env.sh; cat tests skip`)

const WRITE_VALUES = `
import sys, decimal, pyarrow as pa, pyarrow.parquet as pq
ns = 1700000000123456789
pq.write_table(pa.table({
    'id': pa.array([1, 2], pa.int32()),
    'big': pa.array([2**53 + 1, -(2**63)], pa.int64()),
    'ts_ms': pa.array([ns // 10**6, -1], pa.timestamp('ms', tz='UTC')),
    'ts_us': pa.array([ns // 10**3, -1], pa.timestamp('us', tz='UTC')),
    'ts_ns': pa.array([ns, -1], pa.timestamp('ns', tz='UTC')),
    'day': pa.array([19000, -1], pa.date32()),
    'amount': pa.array([decimal.Decimal('12345678901234567890.123456'), decimal.Decimal('-0.000001')], pa.decimal128(38, 6)),
    'small': pa.array([decimal.Decimal('1234567.89'), None], pa.decimal128(9, 2)),
    'raw': pa.array([b'\\x00\\xff\\x10', b''], pa.binary()),
    'name': pa.array(['h\\u00e9llo', 'a,b'], pa.string()),
}), sys.argv[1], store_schema=False)
`

const WRITE_MANY = `
import sys, pyarrow as pa, pyarrow.parquet as pq
n = int(sys.argv[2])
pq.write_table(pa.table({'id': pa.array(range(n), pa.int64()), 'name': pa.array([f'row {i}' for i in range(n)])}), sys.argv[1], row_group_size=50000)
`

function pyarrowFile(script: string, name: string, ...args: string[]): string {
  const path = join(tempDir(), name)
  const run = spawnSync(python, ['-c', script, path, ...args], { encoding: 'utf8' })
  if (run.status !== 0) throw new Error(`pyarrow failed: ${run.stderr}`)
  return path
}

describe.skipIf(!hasPython)('pme cat prints exact values', () => {
  it('64-bit integers, timestamps to their unit, dates, decimals digit for digit, bytes as hex, in --columns order', () => {
    const file = pyarrowFile(WRITE_VALUES, 'values.parquet')
    const columns = 'name,raw,small,amount,day,ts_ns,ts_us,ts_ms,big,id'
    const jsonl = pme(['cat', file, '--columns', columns])
    expect(jsonl.stderr).toBe('')
    expect(jsonl.stdout).toBe(
      [
        '{"name":"héllo","raw":"00ff10","small":"1234567.89","amount":"12345678901234567890.123456","day":"2022-01-08","ts_ns":"2023-11-14T22:13:20.123456789Z","ts_us":"2023-11-14T22:13:20.123456Z","ts_ms":"2023-11-14T22:13:20.123Z","big":"9007199254740993","id":1}',
        '{"name":"a,b","raw":"","small":null,"amount":"-0.000001","day":"1969-12-31","ts_ns":"1969-12-31T23:59:59.999999999Z","ts_us":"1969-12-31T23:59:59.999999Z","ts_ms":"1969-12-31T23:59:59.999Z","big":"-9223372036854775808","id":2}',
        '',
      ].join('\n'),
    )
    const csv = pme(['cat', file, '--columns', 'big,amount,name', '--format', 'csv'])
    expect(csv.stdout).toBe(
      'big,amount,name\n9007199254740993,12345678901234567890.123456,héllo\n-9223372036854775808,-0.000001,"a,b"\n',
    )
    const table = pme(['cat', file, '--columns', 'day,id', '--format', 'table'])
    expect(table.stdout).toBe('day        | id\n-----------+---\n2022-01-08 | 1 \n1969-12-31 | 2 \n')
  })

  it('streams a table of 150k rows, and a reader that closes the pipe ends it quietly with 0', () => {
    const file = pyarrowFile(WRITE_MANY, 'many.parquet', '150001')
    const bin = fileURLToPath(new URL('../bin/pme.js', import.meta.url))
    const table = spawnSync(
      'bash',
      ['-c', `"${process.execPath}" "${bin}" cat "${file}" --format table | tail -n 1; echo "exit \${PIPESTATUS[0]}"`],
      { encoding: 'utf8', maxBuffer: 64 << 20 },
    )
    expect(table.stderr).toBe('')
    expect(table.stdout).toBe('150000 | row 150000\nexit 0\n')
    for (const format of ['jsonl', 'csv', 'table']) {
      const piped = spawnSync(
        'bash',
        [
          '-c',
          `"${process.execPath}" "${bin}" cat "${file}" --format ${format} | head -n 2; echo "exit \${PIPESTATUS[0]}"`,
        ],
        { encoding: 'utf8' },
      )
      expect(piped.stderr, format).toBe('')
      expect(piped.stdout.trim().split('\n').at(-1), format).toBe('exit 0')
    }
  })
})
