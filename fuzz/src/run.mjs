import { fork } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { loadBases } from './bases.mjs'
import { mutate } from './mutate.mjs'

/*
 * pnpm fuzz [--count N] [--seed S] [--jobs J]: mutated inputs through the read paths, each in a child
 * process under a watchdog. Fails (exit 1) on an untyped error, a hang, a process death or a memory
 * jump over the limit, and saves each such input under fuzz/regressions/ for the replay test.
 * Prints a JSON summary: inputs, outcomes by kind, the largest memory jump.
 */
const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '5000' },
    seed: { type: 'string', default: '1' },
    jobs: { type: 'string', default: '2' },
    'timeout-ms': { type: 'string', default: '10000' },
    'memory-mb': { type: 'string', default: '256' },
    'no-save': { type: 'boolean', default: false },
  },
})
const count = Number(args.count)
const seed = Number(args.seed)
const jobs = Number(args.jobs)
const timeoutMs = Number(args['timeout-ms'])
const memoryMb = Number(args['memory-mb'])
const REGRESSIONS = fileURLToPath(new URL('../regressions', import.meta.url))
const WORKER = fileURLToPath(new URL('./worker.mjs', import.meta.url))
/** The child's own heap limit: an allocation beyond it kills the child (a "death"), never the parent. */
const CHILD_HEAP_MB = 1024

const bases = loadBases()
const outcomes = {}
const failures = []
let maxJumpMb = 0
let next = 0
let done = 0
const started = Date.now()

/** Input i's seed: the run seed and the index mixed, so runs with nearby seeds do not overlap. */
const inputSeed = (i) => (Math.imul(seed, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0

function input(i) {
  const base = bases[i % bases.length]
  return { index: i, base: base.name, seed: inputSeed(i), ...mutate(base.bytes, inputSeed(i)) }
}

function record(item, outcome, detail) {
  outcomes[outcome] = (outcomes[outcome] ?? 0) + 1
  const failed = outcome === 'untyped' || outcome === 'hang' || outcome === 'death' || outcome === 'memory'
  if (!failed) return
  const failure = { index: item.index, base: item.base, seed: item.seed, kinds: item.kinds, variant: item.variant, outcome, detail }
  failures.push(failure)
  if (args['no-save']) return
  mkdirSync(REGRESSIONS, { recursive: true })
  const stem = join(REGRESSIONS, `${outcome}-s${seed}-i${item.index}`)
  writeFileSync(`${stem}.parquet`, item.bytes)
  writeFileSync(`${stem}.json`, `${JSON.stringify(failure, null, 2)}\n`)
}

function rssMb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    return Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024
  } catch {
    return 0
  }
}

/** One child running inputs until none are left; replaced when the watchdog kills it. */
function startWorker() {
  return new Promise((resolve) => {
    const child = fork(WORKER, [], { execArgv: [`--max-old-space-size=${CHILD_HEAP_MB}`], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
    let stderr = ''
    child.stderr.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-2000)
    })
    let current
    let timer
    let baselineMb = 0
    let watchdogReason
    const poll = setInterval(() => {
      if (!current) return
      const rss = rssMb(child.pid)
      if (rss - baselineMb > 4 * memoryMb) {
        watchdogReason = { outcome: 'memory', detail: `RSS grew by ${Math.round(rss - baselineMb)} MB` }
        child.kill('SIGKILL')
      }
    }, 100)
    const sendNext = () => {
      if (next >= count) {
        clearInterval(poll)
        child.kill()
        resolve()
        return
      }
      current = input(next++)
      baselineMb = rssMb(child.pid)
      timer = setTimeout(() => {
        watchdogReason = { outcome: 'hang', detail: `no answer within ${timeoutMs} ms` }
        child.kill('SIGKILL')
      }, timeoutMs)
      child.send({ id: current.index, bytes: Buffer.from(current.bytes).toString('base64'), variant: current.variant })
    }
    child.on('message', (message) => {
      if (message.ready) return sendNext()
      clearTimeout(timer)
      maxJumpMb = Math.max(maxJumpMb, message.jumpMb)
      if (message.outcome !== 'untyped' && message.jumpMb > memoryMb) {
        record(current, 'memory', `peak RSS rose by ${Math.round(message.jumpMb)} MB`)
      } else {
        record(current, message.outcome, message.error)
      }
      current = undefined
      done++
      sendNext()
    })
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      clearInterval(poll)
      if (!current) return
      const reason = watchdogReason ?? { outcome: 'death', detail: `exit ${code ?? signal}: ${stderr.trim()}` }
      record(current, reason.outcome, reason.detail)
      current = undefined
      done++
      startWorker().then(resolve)
    })
  })
}

await Promise.all(Array.from({ length: jobs }, () => startWorker()))
const summary = {
  inputs: done,
  seed,
  seconds: Math.round((Date.now() - started) / 100) / 10,
  bases: bases.map((base) => base.name),
  outcomes,
  maxMemoryJumpMb: Math.round(maxJumpMb),
  failures: failures.map(({ index, base, kinds, variant, outcome, detail }) => ({
    index,
    base,
    kinds,
    variant,
    outcome,
    detail: String(detail ?? '').split('\n').slice(0, 8).join(' | '),
  })),
}
console.log(JSON.stringify(summary, null, 2))
process.exitCode = failures.length > 0 ? 1 : 0
