// `pnpm bench`: pme and pyarrow side by side, one JSON document on stdout.
// 1M rows x 5 columns (int64, double, int32, 5-value string, nullable string), snappy, 250k-row groups,
// as issue 14 measured. Every operation runs BENCH_RUNS times (default 5), interleaved with all the
// others and with pyarrow's (a warm pyarrow process answers one timed request at a time), so machine
// load hits both alike; medians are reported. Timings on a shared machine are noisy: compare ratios.
// BENCH_ROWS changes the size (the encrypt/decrypt goal is stated at 4,000,000).
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import os, { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createInterface } from 'node:readline'
import { decryptFile, encryptFile, readColumns, readParquet, writeParquet } from '@pme/core'

const rows = Number(process.env.BENCH_ROWS ?? 1_000_000)
const runs = Number(process.env.BENCH_RUNS ?? 5)
const venvPython = new URL('../.cache/venv/bin/python', import.meta.url).pathname
const streamingBench = new URL('./streaming-bench.mjs', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'pme-bench-'))
const file = (name) => join(dir, name)

const key = (seed) => Uint8Array.from({ length: 16 }, (_, i) => (seed * 31 + i) & 0xff)
const text = (value) => new TextEncoder().encode(value)
// Two column keys and the footer key, as pyarrow_bench.py encrypts.
const encryption = {
  footerKey: { key: key(1), keyMetadata: text('kf') },
  columnKeys: { amount: { key: key(2), keyMetadata: text('kc1') }, email: { key: key(3), keyMetadata: text('kc2') } },
}
const decryption = { footerKey: key(1), columnKeys: { amount: key(2), email: key(3) } }

function table() {
  const categories = ['red', 'green', 'blue', 'cyan', 'magenta']
  return [
    { name: 'id', data: BigInt64Array.from({ length: rows }, (_, i) => BigInt(i)), type: 'INT64', nullable: false },
    {
      name: 'amount',
      data: Float64Array.from({ length: rows }, (_, i) => ((i * 7919) % 100_000) / 100),
      type: 'DOUBLE',
      nullable: false,
    },
    { name: 'quantity', data: Int32Array.from({ length: rows }, (_, i) => i % 1000), type: 'INT32', nullable: false },
    { name: 'category', data: Array.from({ length: rows }, (_, i) => categories[i % 5]), type: 'STRING' },
    {
      name: 'email',
      data: Array.from({ length: rows }, (_, i) => (i % 10 === 0 ? null : `user${i}@example.com`)),
      type: 'STRING',
    },
  ]
}

/** A warm pyarrow process; `request` resolves to its reply ({ ms } or { error }). */
function startPyarrow() {
  if (!existsSync(venvPython)) return undefined
  const child = spawn(venvPython, [new URL('./pyarrow_bench.py', import.meta.url).pathname], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  return {
    async request(message) {
      child.stdin.write(`${JSON.stringify(message)}\n`)
      const { value, done } = await lines.next()
      if (done) throw new Error('the pyarrow process ended')
      return JSON.parse(value)
    },
    close: () => child.stdin.end(),
  }
}

const median = (times) => {
  const sorted = [...times].sort((a, b) => a - b)
  return Math.round(sorted[Math.floor(sorted.length / 2)] * 10) / 10
}

/**
 * Runs every task `runs` times, round-robin. Each gives { ms, cpuMs }: wall time, and the CPU time of
 * its process (less disturbed by other load on the machine); pyarrow tasks report their own.
 */
async function interleaved(tasks) {
  const times = Object.fromEntries(Object.keys(tasks).map((name) => [name, { ms: [], cpuMs: [] }]))
  const errors = {}
  for (let run = 0; run < runs; run++) {
    for (const [name, task] of Object.entries(tasks)) {
      if (errors[name]) continue
      // Collect the previous task's garbage first, so that no task pays for another's (--expose-gc).
      globalThis.gc?.()
      const start = performance.now()
      const cpu = process.cpuUsage()
      const result = await task()
      const used = process.cpuUsage(cpu)
      if (result?.error) errors[name] = result.error
      times[name].ms.push(result?.ms ?? performance.now() - start)
      times[name].cpuMs.push(result?.cpuMs ?? (used.user + used.system) / 1000)
    }
  }
  return Object.fromEntries(
    Object.entries(times).map(([name, { ms, cpuMs }]) => [
      name,
      errors[name] ? { error: errors[name] } : { ms: median(ms), cpuMs: median(cpuMs) },
    ]),
  )
}

/** a / b for wall and CPU time, when both ran. */
const ratio = (a, b) => {
  const of = (key) => (a?.[key] && b?.[key] ? Math.round((a[key] / b[key]) * 100) / 100 : null)
  return { wall: of('ms'), cpu: of('cpuMs') }
}

/** bench/streaming-bench.mjs (multi-GB streaming, peak memory) when present: its JSON document. */
function streaming() {
  if (!existsSync(streamingBench)) return { skipped: 'bench/streaming-bench.mjs is not present' }
  const result = spawnSync(process.execPath, [streamingBench], { encoding: 'utf8', env: process.env })
  if (result.status !== 0) return { error: (result.stderr || `exit ${result.status}`).trim().split('\n').at(-1) }
  try {
    return JSON.parse(result.stdout)
  } catch {
    return { error: 'streaming-bench.mjs did not print one JSON document' }
  }
}

const pyarrow = startPyarrow()
try {
  const columns = table()
  const py = (message) => (pyarrow ? pyarrow.request(message) : { error: 'no pyarrow venv (.cache/venv)' })
  await py({ op: 'setup', rows })
  // The files every read and transform uses, written once by each side.
  await writeParquet(file('plain.parquet'), { columns }, { rowGroupSize: 250_000 })
  await writeParquet(file('encrypted.parquet'), { columns }, { rowGroupSize: 250_000, encryption })
  await py({ op: 'write', file: file('py-plain.parquet') })
  await py({ op: 'write', file: file('py-encrypted.parquet'), encrypted: true })

  const write = await interleaved({
    pmePlain: () => writeParquet(file('w-plain.parquet'), { columns }, { rowGroupSize: 250_000 }),
    pyarrowPlain: () => py({ op: 'write', file: file('py-w-plain.parquet') }),
    pmeEncrypted: () => writeParquet(file('w-enc.parquet'), { columns }, { rowGroupSize: 250_000, encryption }),
    pyarrowEncrypted: () => py({ op: 'write', file: file('py-w-enc.parquet'), encrypted: true }),
  })

  const readTasks = {}
  for (const [kind, pmeFile, pyFile, keys] of [
    ['plain', file('plain.parquet'), file('py-plain.parquet'), {}],
    ['encrypted', file('encrypted.parquet'), file('py-encrypted.parquet'), decryption],
  ]) {
    const encrypted = kind === 'encrypted'
    Object.assign(readTasks, {
      [`${kind}.all.pmeReadColumns`]: () => readColumns(pmeFile, keys),
      [`${kind}.all.pmeReadParquetRows`]: () => readParquet(pmeFile, keys),
      [`${kind}.all.pyarrowReadTable`]: () => py({ op: 'read', file: pyFile, encrypted }),
      [`${kind}.all.pyarrowToPylist`]: () => py({ op: 'read', file: pyFile, encrypted, rows: true }),
      [`${kind}.one.pmeReadColumns`]: () => readColumns(pmeFile, { ...keys, columns: ['amount'] }),
      [`${kind}.one.pmeReadParquetRows`]: () => readParquet(pmeFile, { ...keys, columns: ['amount'] }),
      [`${kind}.one.pyarrowReadTable`]: () => py({ op: 'read', file: pyFile, encrypted, columns: ['amount'] }),
    })
  }
  const readFlat = await interleaved(readTasks)
  const read = {}
  for (const [path, ms] of Object.entries(readFlat)) {
    const [kind, scope, api] = path.split('.')
    read[kind] ??= {}
    read[kind][scope] ??= {}
    read[kind][scope][api] = ms
  }

  const transform = await interleaved({
    pmeEncryptFile: () => encryptFile(file('plain.parquet'), file('t-enc.parquet'), encryption),
    pyarrowReadAndRewriteEncrypted: () =>
      py({ op: 'rewrite', file: file('py-plain.parquet'), output: file('py-t-enc.parquet'), to_encrypted: true }),
    pmeDecryptFile: () => decryptFile(file('encrypted.parquet'), file('t-plain.parquet'), decryption),
    pyarrowReadAndRewritePlain: () =>
      py({
        op: 'rewrite',
        file: file('py-encrypted.parquet'),
        output: file('py-t-plain.parquet'),
        from_encrypted: true,
      }),
  })

  const pyMemory = await py({ op: 'memory' })
  const enc = read.encrypted
  console.log(
    JSON.stringify(
      {
        benchmark: 'pme vs pyarrow',
        rows,
        columns: columns.length,
        rowGroupRows: 250_000,
        codec: 'SNAPPY',
        encryption: 'footer key + 2 column keys (amount, email), encrypted footer, AES_GCM_V1',
        runs,
        statistic:
          'medians of wall ms and of process CPU ms, runs interleaved across all operations and both libraries',
        caveat: 'shared 2-core machine: wall times are noisy under load, CPU times and ratios less so',
        loadAverage: os.loadavg().map((load) => Math.round(load * 10) / 10),
        node: process.version,
        fileBytes: {
          pmePlain: statSync(file('plain.parquet')).size,
          pmeEncrypted: statSync(file('encrypted.parquet')).size,
        },
        write,
        read,
        transform,
        peakMemory: {
          note: 'peak resident set of each whole process over the run (the table, files read, all operations)',
          pmeNodeBytes: process.resourceUsage().maxRSS * 1024,
          pyarrowBytes: pyMemory.peakRssBytes ?? null,
        },
        goals: {
          'columnar read, all columns, encrypted / pyarrow read_table (at most 3)': ratio(
            enc.all.pmeReadColumns,
            enc.all.pyarrowReadTable,
          ),
          'one column / all columns, encrypted, readColumns (at most 0.25)': ratio(
            enc.one.pmeReadColumns,
            enc.all.pmeReadColumns,
          ),
          'write plain / pyarrow (at most 5)': ratio(write.pmePlain, write.pyarrowPlain),
          'write encrypted / write plain (at most 1.05)': ratio(write.pmeEncrypted, write.pmePlain),
          'readColumns encrypted / plain (at most 1.10)': ratio(enc.all.pmeReadColumns, read.plain.all.pmeReadColumns),
          'encryptFile / pyarrow read and rewrite (at most 0.5, stated at 4M rows)': ratio(
            transform.pmeEncryptFile,
            transform.pyarrowReadAndRewriteEncrypted,
          ),
          'decryptFile / pyarrow read and rewrite (at most 0.5, stated at 4M rows)': ratio(
            transform.pmeDecryptFile,
            transform.pyarrowReadAndRewritePlain,
          ),
        },
        streaming: streaming(),
      },
      null,
      2,
    ),
  )
} finally {
  pyarrow?.close()
  rmSync(dir, { recursive: true, force: true })
}
