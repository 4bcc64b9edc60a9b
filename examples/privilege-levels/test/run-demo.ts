import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url))

/** Master keys the test hands the demo, so it can check that none of them is printed. */
export const masterKeys = new Map(
  ['PUBLIC', 'INTERNAL', 'CONFIDENTIAL', 'RESTRICTED'].map((id) => [id, randomBytes(32)]),
)
const keyList = [...masterKeys].map(([id, key]) => `${id}: ${key.toString('base64')}`).join(', ')

/** Runs the built demo under the current Node; `pnpm build` must have run (turbo does it). */
export function runDemo(args: string[]) {
  const result = spawnSync(process.execPath, [main, ...args], {
    encoding: 'utf8',
    env: { ...process.env, PME_DEMO_KEY_LIST: keyList },
    timeout: 120_000,
  })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}
