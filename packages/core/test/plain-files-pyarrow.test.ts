import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { readParquet } from '../src/read/read-parquet.js'
import { skipWithoutPyarrow } from './helpers/pyarrow.js'
import { HAS_TEST_DATA, skipWithoutData, TEST_DATA_DIR } from './helpers/test-data.js'

/*
 * Every plain parquet-testing file pyarrow (Arrow C++) reads, pme reads with the same rows. Values are
 * compared in one canonical form: bytes and strings as hex of their bytes (pme reads with utf8: false,
 * so bytes are not decoded), integers and decimals as numbers, dates and timestamps as epoch
 * milliseconds, maps as objects (pyarrow's maps_as_pydicts), NaN as "NaN".
 */
const venv = process.env.PME_VENV_DIR || fileURLToPath(new URL('../../../.cache/venv', import.meta.url))

const DUMP = `
import datetime, decimal, json, math, os, sys
import pyarrow.parquet as pq
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
def canon(v):
    if isinstance(v, (bytes, bytearray)): return {'hex': v.hex()}
    if isinstance(v, str): return {'hex': v.encode('utf-8').hex()}
    if isinstance(v, float) and math.isnan(v): return 'NaN'
    if isinstance(v, decimal.Decimal): return float(v)
    if isinstance(v, datetime.datetime):
        t = v if v.tzinfo else v.replace(tzinfo=datetime.timezone.utc)
        return {'ms': (t - EPOCH) // datetime.timedelta(milliseconds=1)}
    if isinstance(v, datetime.date): return {'ms': (datetime.datetime(v.year, v.month, v.day, tzinfo=datetime.timezone.utc) - EPOCH) // datetime.timedelta(milliseconds=1)}
    if isinstance(v, tuple): return [canon(x) for x in v]
    if isinstance(v, list): return [canon(x) for x in v]
    if isinstance(v, dict): return {k: canon(x) for k, x in v.items()}
    return v
out = {}
for name in sys.argv[2:]:
    try:
        out[name] = canon(pq.read_table(os.path.join(sys.argv[1], name)).to_pylist(maps_as_pydicts='strict'))
    except Exception as error:
        out[name] = {'pyarrow_error': str(error)[:200]}
print(json.dumps(out))
`

const hex = (bytes: Uint8Array) => ({ hex: Buffer.from(bytes).toString('hex') })

/** pme's values in the canonical form of DUMP. */
function canon(value: unknown): unknown {
  if (value === null || value === undefined) return null
  if (typeof value === 'bigint') return Number(value)
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : value
  if (typeof value === 'string') return hex(new TextEncoder().encode(value))
  if (value instanceof Uint8Array) return hex(value)
  if (value instanceof Date) return { ms: value.getTime() }
  if (Array.isArray(value)) return value.map(canon)
  if (typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, canon(item)]))
  return value
}

/**
 * Where pme and pyarrow differ, and why. Each entry must still differ: when it stops, remove it.
 * - CRC files: pme refuses pages whose CRC does not match (fail closed); pyarrow does not check.
 * - repeated_primitive_no_list: an empty repeated field without LIST annotation is null in hyparquet's
 *   assembly, [] in Arrow's; the values are the same.
 */
const DIFFERENT: Readonly<Record<string, string>> = {
  'datapage_v1-corrupt-checksum.parquet': 'page CRC mismatch: refused',
  'rle-dict-uncompressed-corrupt-checksum.parquet': 'page CRC mismatch: refused',
  'repeated_primitive_no_list.parquet': 'empty unannotated repeated field: null, pyarrow []',
}

const names = HAS_TEST_DATA
  ? readdirSync(TEST_DATA_DIR)
      .filter((name) => name.endsWith('.parquet'))
      .sort()
  : []

function pyarrowRows(): Record<string, unknown> {
  const run = spawnSync(join(venv, 'bin', 'python'), ['-c', DUMP, TEST_DATA_DIR, ...names], {
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  })
  if (run.status !== 0) throw new Error(`pyarrow failed: ${run.stderr}`)
  return JSON.parse(run.stdout)
}

describe.skipIf(skipWithoutData('plain files vs pyarrow') || skipWithoutPyarrow('plain files vs pyarrow'))(
  'plain parquet-testing files, pme against pyarrow',
  async () => {
    const expected = names.length > 0 ? pyarrowRows() : {}
    const readable = names.filter((name) => !('pyarrow_error' in (expected[name] as object)))

    it('covers the files pyarrow reads', () => {
      expect(readable.length).toBeGreaterThan(40)
    })

    it.each(readable)('%s', async (name) => {
      const rows = await readParquet(join(TEST_DATA_DIR, name), { utf8: false }).then(
        (read) => read.map(canon),
        (error: Error) => ({ error: error.message }),
      )
      if (name in DIFFERENT) expect(rows).not.toEqual(expected[name])
      else expect(rows).toEqual(expected[name])
    })
  },
)
