import { spawn, spawnSync } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { cliBin } from '../setup/paths.js'

export interface CliRun {
  /** Exit code; null when the process was killed by a signal. */
  status: number | null
  stdout: string
  stderr: string
}

/** Runs the real `pme` binary (packages/cli/bin/pme.js) synchronously. */
export function pme(args: string[]): CliRun {
  const r = spawnSync(process.execPath, [cliBin, ...args], { encoding: 'utf8', timeout: 60_000 })
  if (r.error) throw r.error
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** Runs the real `pme` binary without blocking, so several runs can share the cores. */
export function pmeAsync(args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliBin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
    })
    child.on('error', reject)
    child.on('close', (status) => resolve({ status, stdout, stderr }))
  })
}

/** Runs async tasks, at most `parallel` at a time (default: one per core); results in the order of `tasks`. */
export async function inParallel<T>(tasks: (() => Promise<T>)[], parallel = availableParallelism()): Promise<T[]> {
  const results: T[] = new Array(tasks.length)
  let next = 0
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++
      results[index] = await (tasks[index] as () => Promise<T>)()
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, tasks.length)) }, worker))
  return results
}

/** Runs many CLI invocations, at most one per core at a time; results in the order of `runs`. */
export function pmeMany(runs: string[][], parallel = availableParallelism()): Promise<CliRun[]> {
  return inParallel(
    runs.map((args) => () => pmeAsync(args)),
    parallel,
  )
}

/** The lines a failed run printed on stderr (the CLI promises exactly one). */
export const stderrLines = (run: CliRun): string[] => run.stderr.trimEnd().split('\n')
