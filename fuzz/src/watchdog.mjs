import { fork } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/*
 * Runs inputs in child processes (worker.mjs), one at a time per child, under a watchdog: no answer
 * within the time limit is a hang, a child that exits is a death, and growth past the memory limit
 * is a failure whether the child reports it (peak RSS) or the watchdog sees it first and kills the
 * child. A killed or dead child is replaced and the run goes on.
 */
const WORKER = fileURLToPath(new URL('./worker.mjs', import.meta.url))
/** The child's own heap limit: an allocation beyond it kills the child (a "death"), never the caller. */
const CHILD_HEAP_MB = 1024
/** Outcomes that fail a run: anything but success or a typed error. */
export const FAILURES = new Set(['untyped', 'hang', 'death', 'memory'])

function rssMb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    return Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024
  } catch {
    return 0
  }
}

/**
 * `take()` returns the next input ({ bytes, variant }) or undefined when there are none left;
 * `report(input, { outcome, detail, jumpMb })` receives each result.
 */
export async function runWatched({ take, report, jobs = 2, timeoutMs = 10_000, memoryMb = 256 }) {
  const startWorker = () =>
    new Promise((resolve) => {
      const child = fork(WORKER, [], {
        execArgv: [`--max-old-space-size=${CHILD_HEAP_MB}`],
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      })
      let stderr = ''
      child.stderr.on('data', (chunk) => {
        stderr = (stderr + chunk).slice(-4000)
      })
      let current
      let timer
      let baselineMb = 0
      let killedFor
      const poll = setInterval(() => {
        const rss = current ? rssMb(child.pid) : 0
        if (current && rss - baselineMb > 4 * memoryMb) {
          killedFor = { outcome: 'memory', detail: `RSS grew by ${Math.round(rss - baselineMb)} MB` }
          child.kill('SIGKILL')
        }
      }, 100)
      const sendNext = () => {
        current = take()
        if (!current) {
          clearInterval(poll)
          child.kill()
          resolve()
          return
        }
        baselineMb = rssMb(child.pid)
        timer = setTimeout(() => {
          killedFor = { outcome: 'hang', detail: `no answer within ${timeoutMs} ms` }
          child.kill('SIGKILL')
        }, timeoutMs)
        child.send({ bytes: Buffer.from(current.bytes).toString('base64'), variant: current.variant })
      }
      child.on('message', (message) => {
        if (message.ready) return sendNext()
        clearTimeout(timer)
        const { outcome, error, jumpMb } = message
        if (outcome !== 'untyped' && jumpMb > memoryMb) {
          report(current, { outcome: 'memory', detail: `peak RSS rose by ${Math.round(jumpMb)} MB`, jumpMb })
        } else {
          report(current, { outcome, detail: error, jumpMb })
        }
        sendNext()
      })
      child.on('exit', (code, signal) => {
        clearTimeout(timer)
        clearInterval(poll)
        if (!current) return
        report(
          current,
          killedFor ?? { outcome: 'death', detail: `exit ${code ?? signal}: ${stderr.trim()}`, jumpMb: 0 },
        )
        startWorker().then(resolve)
      })
    })
  await Promise.all(Array.from({ length: jobs }, () => startWorker()))
}
