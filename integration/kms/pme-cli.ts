import { execFile } from 'node:child_process'
import { cliBin } from '../setup/paths.js'

export interface PmeRun {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs the real `pme` binary. PME_* variables of the test environment are dropped, so only the
 * arguments (and the config file they name) choose the KMS.
 */
export function runPme(args: string[]): Promise<PmeRun> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PME_')))
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cliBin, ...args],
      { env, timeout: 60_000, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const status = error ? (typeof error.code === 'number' ? error.code : null) : 0
        resolve({ status, stdout, stderr })
      },
    )
  })
}
