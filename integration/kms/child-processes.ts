import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { repoRoot } from '../setup/paths.js'
import { waitUntil } from './ports.js'

/*
 * Emulator processes started by the suites. Each is killed by its owner's stop(), on the owning
 * worker's exit, and, should a worker die without either, by the KMS global setup's teardown,
 * which kills every process still listed here (by pid, after checking it is still that program).
 */

/** Per test run (set by the KMS global setup, inherited by the workers), so runs never touch each other's. */
const registryDir = () =>
  process.env.PME_IT_RUN_DIR ?? path.join(repoRoot, '.cache', 'it-processes', `pid-${process.pid}`)

/** A fresh registry folder for one test run; the workers find it through PME_IT_RUN_DIR. */
export function startRun(): string {
  const dir = path.join(repoRoot, '.cache', 'it-processes', `run-${process.pid}-${Date.now()}`)
  mkdirSync(dir, { recursive: true })
  process.env.PME_IT_RUN_DIR = dir
  return dir
}
const live = new Set<ChildProcess>()

process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
  } catch {
    return undefined
  }
}

/** Spawns an emulator and records it, so that no run leaves it behind. */
export function spawnTracked(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const pid = child.pid
  if (pid === undefined) return child
  live.add(child)
  const dir = registryDir()
  mkdirSync(dir, { recursive: true })
  const entry = path.join(dir, String(pid))
  writeFileSync(entry, commandLine(pid) ?? '')
  child.once('exit', () => {
    live.delete(child)
    rmSync(entry, { force: true })
  })
  watchOwner(pid)
  return child
}

/**
 * A detached watchdog: kills `pid` within a second once this process is gone (a worker killed
 * with SIGKILL runs no exit handler), and ends by itself when `pid` ends first.
 */
function watchOwner(pid: number): void {
  const script = `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${pid} 2>/dev/null; do sleep 1; done; kill -9 ${pid} 2>/dev/null`
  spawn('sh', ['-c', script], { stdio: 'ignore', detached: true }).unref()
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Kills what earlier runs whose main process died (no teardown ran) left recorded. */
export function sweepDeadRuns(): number {
  const root = path.join(repoRoot, '.cache', 'it-processes')
  let killed = 0
  let runs: string[] = []
  try {
    runs = readdirSync(root)
  } catch {
    return 0
  }
  for (const run of runs) {
    const owner = Number(/^(?:run|pid)-(\d+)/.exec(run)?.[1])
    if (Number.isInteger(owner) && !isAlive(owner)) killed += killLeftovers(path.join(root, run))
  }
  return killed
}

/** Stops a tracked process: SIGTERM, then SIGKILL after `graceMs`. Resolves once it has exited. */
export function stopTracked(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

/** Kills every process recorded in `dir` that is still the program it was; removes `dir`. */
export function killLeftovers(dir: string): number {
  let killed = 0
  let entries: string[] = []
  try {
    entries = readdirSync(dir)
  } catch {
    return 0
  }
  for (const name of entries) {
    const file = path.join(dir, name)
    const pid = Number(name)
    const recorded = readFileSync(file, 'utf8')
    const current = commandLine(pid)
    if (Number.isInteger(pid) && current !== undefined && recorded !== '' && current === recorded) {
      try {
        process.kill(pid, 'SIGKILL')
        killed++
      } catch {
        // already gone
      }
    }
    rmSync(file, { force: true })
  }
  rmSync(dir, { recursive: true, force: true })
  return killed
}

export interface EmulatorProcess {
  readonly child: ChildProcess
  /** Stops the emulator and removes its work folder. */
  stop(): Promise<void>
}

/**
 * Starts an emulator in a fresh work folder with a clean environment (PATH, HOME = the folder, and
 * `env`: none of the user's credentials reach it), tracked like every emulator, and waits until
 * `ready` says so. If it exits or never gets ready, it is stopped and the error quotes its output.
 */
export async function startEmulator(options: {
  name: string
  command: string
  args: readonly string[]
  env?: Record<string, string>
  /** Ready yet? Gets the emulator's output so far (the last 4000 characters). */
  ready: (log: string) => Promise<boolean>
  timeoutMs: number
}): Promise<EmulatorProcess> {
  const workDir = mkdtempSync(path.join(tmpdir(), 'pme-emulator-'))
  const env = { PATH: process.env.PATH ?? '', HOME: workDir, ...options.env }
  const child = spawnTracked(options.command, [...options.args], { cwd: workDir, env })
  let log = ''
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-4000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const stop = async () => {
    await stopTracked(child)
    rmSync(workDir, { recursive: true, force: true })
  }
  try {
    await waitUntil(
      options.name,
      async () => {
        if (child.exitCode !== null)
          throw new Error(`${options.name} exited with code ${child.exitCode}: ${log.slice(-800)}`)
        return options.ready(log)
      },
      options.timeoutMs,
    )
  } catch (error) {
    await stop()
    throw error
  }
  return { child, stop }
}
