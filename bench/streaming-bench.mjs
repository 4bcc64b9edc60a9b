// Streaming a multi-GB file through `pme encrypt`, `pme decrypt` and `pme cat`, with each process's
// peak RSS, printed as one JSON document. Goal (issue 13): under 300 MB at any size; and `pme cat
// --limit` bounded by the pages it needs (under 200 MB for 1M-row groups).
// Size: STREAMING_BENCH_MB (default 2048). Self-contained: `node bench/streaming-bench.mjs`.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ParquetFileWriter } from '@pme/core'

const targetMb = Number(process.env.STREAMING_BENCH_MB ?? 2048)
const GOAL_MB = 300
const LIMIT_GOAL_MB = 200
const ROWS_PER_GROUP = 1_048_576
const pme = fileURLToPath(new URL('../packages/cli/bin/pme.js', import.meta.url))
const venvPython = fileURLToPath(new URL('../.cache/venv/bin/python', import.meta.url))
const preload = fileURLToPath(new URL('./report-peak-rss.mjs', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'pme-streaming-'))
const keyList = `kf: ${Buffer.from('0123456789012345').toString('base64')}, kc: ${Buffer.from('1234567890123450').toString('base64')}`

/** One row group of 1M rows: an id, a double and a 40-character text that compresses poorly. */
function batch(first) {
  const ids = new BigInt64Array(ROWS_PER_GROUP)
  const values = new Float64Array(ROWS_PER_GROUP)
  const texts = new Array(ROWS_PER_GROUP)
  for (let i = 0; i < ROWS_PER_GROUP; i++) {
    const n = first + i
    ids[i] = BigInt(n)
    values[i] = n / 3
    texts[i] = `${(Math.imul(n, 2654435761) >>> 0).toString(16).padStart(8, '0')}-${n.toString(36).padStart(30, '~')}`
  }
  return [
    { name: 'id', data: ids, type: 'INT64', nullable: false },
    { name: 'value', data: values, type: 'DOUBLE', nullable: false },
    { name: 'text', data: texts, type: 'STRING', nullable: false },
  ]
}

/** Runs a pme command with its output discarded; returns its time and peak RSS. */
function run(args) {
  const rssFile = join(dir, 'rss')
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', preload, pme, ...args, '--key-list', keyList], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, PME_BENCH_RSS_OUT: rssFile },
    })
    let stderr = ''
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`pme ${args[0]} failed (${code}): ${stderr}`))
      const peakRssMb = Math.round(Number(readFileSync(rssFile, 'utf8')) / 1024)
      resolve({ seconds: Math.round((performance.now() - started) / 100) / 10, peakRssMb })
    })
  })
}

/** Writes `groups` row groups of 1M rows with pme's streaming writer. */
async function writeWithPme(path, groups) {
  const writer = await ParquetFileWriter.create(path, { rowGroupSize: ROWS_PER_GROUP, codec: 'SNAPPY' })
  for (let group = 0; group < groups; group++) await writer.writeColumns(batch(group * ROWS_PER_GROUP))
  await writer.close()
}

// pyarrow writes the same columns about ten times faster than hyparquet-writer: used when the venv
// the integration suites provision is there, since only reading is measured here.
const PYARROW_WRITE = `
import sys, pyarrow as pa, pyarrow.compute as pc, pyarrow.parquet as pq
path, groups, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
schema = pa.schema([('id', pa.int64()), ('value', pa.float64()), ('text', pa.string())])
with pq.ParquetWriter(path, schema) as writer:
    for g in range(groups):
        ids = pa.array(range(g * n, (g + 1) * n), pa.int64())
        text = pa.array([f'{(i * 2654435761) % 4294967296:08x}-{i:>30}' for i in range(g * n, (g + 1) * n)])
        writer.write_table(pa.table({'id': ids, 'value': pc.divide(pc.cast(ids, pa.float64()), 3), 'text': text}, schema=schema), row_group_size=n)
`

function writeWithPyarrow(path, groups) {
  const run = spawnSync(venvPython, ['-c', PYARROW_WRITE, path, String(groups), String(ROWS_PER_GROUP)], {
    encoding: 'utf8',
  })
  if (run.status !== 0) throw new Error(`pyarrow failed: ${run.stderr}`)
}

async function writePlain(path, groups) {
  if (existsSync(venvPython)) writeWithPyarrow(path, groups)
  else await writeWithPme(path, groups)
  return statSync(path).size / 2 ** 20
}

try {
  // One row group tells the size of each; then as many as reach the target size.
  const probeMb = await writePlain(join(dir, 'probe.parquet'), 1)
  rmSync(join(dir, 'probe.parquet'))
  const groups = Math.max(1, Math.ceil(targetMb / probeMb))
  const plain = join(dir, 'plain.parquet')
  const started = performance.now()
  const sizeMb = Math.round(await writePlain(plain, groups))
  const write = {
    seconds: Math.round((performance.now() - started) / 100) / 10,
    by: existsSync(venvPython) ? 'pyarrow' : 'pme',
  }

  const encrypted = join(dir, 'encrypted.parquet')
  const decrypted = join(dir, 'decrypted.parquet')
  const steps = {
    write,
    encrypt: await run([
      'encrypt',
      plain,
      '-o',
      encrypted,
      '--footer-key',
      'kf',
      '--column-keys',
      'kc:text',
      '--explicit-keys',
    ]),
    decrypt: await run(['decrypt', encrypted, '-o', decrypted]),
    cat: await run(['cat', encrypted, '--columns', 'id,value']),
    catLimit: await run(['cat', encrypted, '--columns', 'id', '--limit', '10']),
  }
  const peaks = ['encrypt', 'decrypt', 'cat'].map((step) => steps[step].peakRssMb)
  console.log(
    JSON.stringify(
      {
        bench: 'streaming',
        sizeMb,
        rows: groups * ROWS_PER_GROUP,
        rowGroups: groups,
        rowsPerGroup: ROWS_PER_GROUP,
        steps,
        goals: {
          peakRssMb: { goal: GOAL_MB, worst: Math.max(...peaks), met: Math.max(...peaks) < GOAL_MB },
          catLimitRssMb: {
            goal: LIMIT_GOAL_MB,
            value: steps.catLimit.peakRssMb,
            met: steps.catLimit.peakRssMb < LIMIT_GOAL_MB,
          },
        },
        note: 'peak RSS (VmHWM) of each pme process; timings are noisy on a shared machine',
      },
      null,
      2,
    ),
  )
} finally {
  rmSync(dir, { recursive: true, force: true })
}
