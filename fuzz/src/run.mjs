import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { loadBases } from './bases.mjs'
import { mutate } from './mutate.mjs'
import { FAILURES, runWatched } from './watchdog.mjs'

/*
 * pnpm fuzz [--count N] [--seed S] [--jobs J]: mutated inputs through the read paths, each in a child
 * process under a watchdog. Fails (exit 1) on an untyped error, a hang, a process death or a memory
 * jump over the limit, and saves each such input under fuzz/regressions/ for the replay test.
 * Prints a JSON summary: inputs, outcomes by kind, the largest memory jump.
 * --only I replays input I of the seed alone (and saves it), whatever its outcome.
 */
const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '5000' },
    seed: { type: 'string', default: '1' },
    jobs: { type: 'string', default: '2' },
    only: { type: 'string' },
    'timeout-ms': { type: 'string', default: '10000' },
    'memory-mb': { type: 'string', default: '256' },
    'no-save': { type: 'boolean', default: false },
  },
})
const seed = Number(args.seed)
const REGRESSIONS = fileURLToPath(new URL('../regressions', import.meta.url))

const bases = loadBases()
const outcomes = {}
const failures = []
let maxJumpMb = 0
const indexes = args.only === undefined ? Array.from({ length: Number(args.count) }, (_, i) => i) : [Number(args.only)]
let next = 0
const started = Date.now()

/** Input i's seed: the run seed and the index mixed, so runs with nearby seeds do not overlap. */
const inputSeed = (i) => (Math.imul(seed, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0

function take() {
  if (next >= indexes.length) return undefined
  const index = indexes[next++]
  const base = bases[index % bases.length]
  return { index, base: base.name, seed: inputSeed(index), ...mutate(base.bytes, inputSeed(index)) }
}

function save(item, outcome, detail) {
  mkdirSync(REGRESSIONS, { recursive: true })
  const stem = join(REGRESSIONS, `${outcome}-s${seed}-i${item.index}`)
  const { index, base, kinds, variant } = item
  writeFileSync(`${stem}.parquet`, item.bytes)
  writeFileSync(`${stem}.json`, `${JSON.stringify({ index, base, seed, kinds, variant, outcome, detail }, null, 2)}\n`)
}

function report(item, { outcome, detail, jumpMb }) {
  outcomes[outcome] = (outcomes[outcome] ?? 0) + 1
  maxJumpMb = Math.max(maxJumpMb, jumpMb ?? 0)
  const failed = FAILURES.has(outcome)
  if (failed) {
    const { index, base, kinds, variant } = item
    failures.push({
      index,
      base,
      kinds,
      variant,
      outcome,
      detail: String(detail ?? '')
        .split('\n')
        .slice(0, 8)
        .join(' | '),
    })
  }
  if ((failed || args.only !== undefined) && !args['no-save']) save(item, outcome, detail)
}

await runWatched({
  take,
  report,
  jobs: Number(args.jobs),
  timeoutMs: Number(args['timeout-ms']),
  memoryMb: Number(args['memory-mb']),
})
const summary = {
  inputs: indexes.length,
  seed,
  seconds: Math.round((Date.now() - started) / 100) / 10,
  bases: bases.map((base) => base.name),
  outcomes,
  maxMemoryJumpMb: Math.round(maxJumpMb),
  failures,
}
console.log(JSON.stringify(summary, null, 2))
process.exitCode = failures.length > 0 ? 1 : 0
