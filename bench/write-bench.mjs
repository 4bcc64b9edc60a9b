// Write cost of encryption and the speed of `encryptFile`, printed as one JSON document.
// Goals (issue 3): encrypting adds at most 5% to writing; encrypting an existing file takes less
// time than pyarrow reading and rewriting it encrypted. Sizes: BENCH_ROWS (default 1,000,000).
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { encryptFile, writeParquet } from '@pme/core'

const rows = Number(process.env.BENCH_ROWS ?? 1_000_000)
const runs = Number(process.env.BENCH_RUNS ?? 3)
const venvPython = new URL('../.cache/venv/bin/python', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'pme-bench-'))

const key = (seed) => Uint8Array.from({ length: 16 }, (_, i) => (seed * 31 + i) & 0xff)
const encryption = {
  footerKey: { key: key(1), keyMetadata: new TextEncoder().encode('kf') },
  columnKeys: {
    amount: { key: key(2), keyMetadata: new TextEncoder().encode('kc1') },
    email: { key: key(3), keyMetadata: new TextEncoder().encode('kc2') },
  },
  completeColumns: true,
}

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

const middle = (times) => Math.round([...times].sort((a, b) => a - b)[Math.floor(times.length / 2)])

/** Median wall times of several tasks, in ms, run interleaved so that drift (heap, heat) hits all alike. */
async function medians(tasks) {
  const times = Object.fromEntries(Object.keys(tasks).map((name) => [name, []]))
  for (let i = 0; i < runs; i++) {
    for (const [name, run] of Object.entries(tasks)) {
      const start = performance.now()
      await run(i)
      times[name].push(performance.now() - start)
    }
  }
  return Object.fromEntries(Object.entries(times).map(([name, list]) => [name, middle(list)]))
}

function pyarrowRewrite(input, output) {
  const script = `
import sys, time, pyarrow.parquet as pq, pyarrow.parquet.encryption as pe
props = pe.create_encryption_properties(bytes(range(16)))
times = []
for i in range(${runs}):
    t = time.perf_counter()
    table = pq.read_table(sys.argv[1])
    pq.write_table(table, sys.argv[2], encryption_properties=props, compression='snappy')
    times.append((time.perf_counter() - t) * 1000)
print(round(sorted(times)[len(times) // 2]))
`
  const result = spawnSync(venvPython, ['-c', script, input, output], { encoding: 'utf8' })
  if (result.status !== 0) return { error: result.stderr.trim().split('\n').at(-1) }
  return { ms: Number(result.stdout.trim()) }
}

try {
  const columns = table()
  const plainPath = join(dir, 'plain.parquet')
  const options = { rowGroupSize: 250_000 }
  const { writePlain, writeEncrypted, encryptExisting } = await medians({
    writePlain: () => writeParquet(plainPath, { columns }, options),
    writeEncrypted: (i) => writeParquet(join(dir, `enc-${i}.parquet`), { columns }, { ...options, encryption }),
    encryptExisting: (i) => encryptFile(plainPath, join(dir, `encrypted-${i}.parquet`), encryption),
  })
  const pyarrow = existsSync(venvPython)
    ? pyarrowRewrite(plainPath, join(dir, 'pyarrow.parquet'))
    : { error: 'no venv' }
  const overhead = (writeEncrypted - writePlain) / writePlain
  console.log(
    JSON.stringify(
      {
        benchmark: 'write',
        rows,
        columns: columns.length,
        runs,
        node: process.version,
        fileBytes: statSync(plainPath).size,
        writePlaintextMs: writePlain,
        writeEncryptedMs: writeEncrypted,
        encryptionOverhead: Number(overhead.toFixed(4)),
        goalOverheadAtMost: 0.05,
        encryptFileMs: encryptExisting,
        pyarrowReadAndRewriteEncryptedMs: pyarrow.ms ?? null,
        pyarrowError: pyarrow.error ?? null,
        encryptFileFasterThanPyarrow: pyarrow.ms === undefined ? null : encryptExisting < pyarrow.ms,
      },
      null,
      2,
    ),
  )
} finally {
  rmSync(dir, { recursive: true, force: true })
}
