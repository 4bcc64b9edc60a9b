import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const bin = fileURLToPath(new URL('../bin/pme.js', import.meta.url))

/** Runs the built `pme` binary under the current Node; `pnpm build` must have run (turbo does it). */
export function pme(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env } })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

export const dataDir =
  process.env.PARQUET_TEST_DATA ?? fileURLToPath(new URL('../../../../shared/parquet-testing/data', import.meta.url))
export const hasData = existsSync(`${dataDir}/uniform_encryption.parquet.encrypted`)
if (!hasData) console.warn(`parquet-testing data not found at ${dataDir}: set PARQUET_TEST_DATA; data tests skip`)

const b64 = (text: string) => Buffer.from(text).toString('base64')
/** Keys of the parquet-testing files (their README): ASCII strings, by key id. */
export const testKeys = { kf: '0123456789012345', kc1: '1234567890123450', kc2: '1234567890123451' }
export const keyList = Object.entries(testKeys)
  .map(([id, key]) => `${id}: ${b64(key)}`)
  .join(', ')
