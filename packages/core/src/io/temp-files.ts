import { createHash, randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { readdir, rm } from 'node:fs/promises'
import { hostname } from 'node:os'
import { basename, dirname, join } from 'node:path'

/*
 * Temp files next to an output (written there so the final rename is atomic) never outlive their
 * writer: SIGINT and SIGTERM remove them before the process ends, and a writer that died without
 * running any code (kill -9, power loss) is recognised by the next write to the same output, which
 * removes them. Names carry the writing host and process: `.<name>.pme-<host>-<pid>-<random>.tmp`.
 */

const HOST = createHash('sha256').update(hostname()).digest('hex').slice(0, 8)
const SIGNALS = ['SIGINT', 'SIGTERM'] as const
const live = new Set<string>()

function tempPattern(path: string): RegExp {
  const name = basename(path).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  return new RegExp(`^\\.${name}\\.pme-([0-9a-f]{8})-(\\d+)-[0-9a-f]{12}\\.tmp$`)
}

/** Removes the live temp files, then lets the signal do what it would have done without us. */
function onSignal(signal: NodeJS.Signals): void {
  removeLiveTempFiles()
  stopWatchingSignals()
  // Anyone else listening decides what the signal means; alone, re-raise it so the process ends as
  // it would have (a shell reports 130 for SIGINT, 143 for SIGTERM).
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
}

function watchSignals(): void {
  for (const signal of SIGNALS) process.on(signal, onSignal)
}

function stopWatchingSignals(): void {
  for (const signal of SIGNALS) process.off(signal, onSignal)
}

/** A new temp file path next to `path`, removed on SIGINT/SIGTERM until released. */
export function tempPathFor(path: string): string {
  const temp = join(
    dirname(path),
    `.${basename(path)}.pme-${HOST}-${process.pid}-${randomBytes(6).toString('hex')}.tmp`,
  )
  if (live.size === 0) watchSignals()
  live.add(temp)
  return temp
}

/** The temp file was renamed into place or removed: signals need not remove it any more. */
export function releaseTempPath(temp: string): void {
  live.delete(temp)
  if (live.size === 0) stopWatchingSignals()
}

/** Removes every temp file this process is writing, synchronously (for signal and exit handlers). */
export function removeLiveTempFiles(): void {
  for (const temp of live) rmSync(temp, { force: true })
  live.clear()
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Removes the temp files that writers of `path` on this host left when they died. Files of live
 * processes and of other hosts (a shared folder) are left alone.
 */
export async function removeStaleTempFiles(path: string): Promise<void> {
  const pattern = tempPattern(path)
  const dir = dirname(path)
  const names = await readdir(dir).catch(() => [] as string[])
  for (const name of names) {
    const match = pattern.exec(name)
    if (match && match[1] === HOST && !isAlive(Number(match[2]))) await rm(join(dir, name), { force: true })
  }
}
