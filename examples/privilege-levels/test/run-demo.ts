import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url))

/** Master keys the test hands the demo, so it can check that none of them is printed. */
export const masterKeys = new Map(
  ['PUBLIC', 'INTERNAL', 'CONFIDENTIAL', 'RESTRICTED'].map((id) => [id, randomBytes(32)]),
)
const keyList = [...masterKeys].map(([id, key]) => `${id}: ${key.toString('base64')}`).join(', ')
const env = { ...process.env, PME_DEMO_KEY_LIST: keyList }

const outDirs: string[] = []

/** A fresh dataset folder for one run (the demo keeps its dataset); `removeOutDirs` deletes them all. */
export function outDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pme-demo-out-'))
  outDirs.push(dir)
  return dir
}

export function removeOutDirs(): void {
  for (const dir of outDirs.splice(0)) rmSync(dir, { recursive: true, force: true })
}

/** Runs the built demo under the current Node; `pnpm build` must have run (turbo does it). */
export function runDemo(args: string[], out = outDir()) {
  const result = spawnSync(process.execPath, [main, '--out', out, ...args], { encoding: 'utf8', env, timeout: 120_000 })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, out }
}

/**
 * Runs `pnpm demo --server` (on a free port), which keeps its KMS up until Ctrl-C: once the report is
 * printed, `whileServing` runs against the live server, then SIGINT stops the demo.
 */
export function runServingDemo(
  args: string[],
  whileServing: (stdout: string) => Promise<void> | void,
): Promise<{ code: number | null; stdout: string; stderr: string; out: string }> {
  const out = outDir()
  const child = spawn(process.execPath, [main, '--out', out, '--server', '--port', '0', ...args], { env })
  let stdout = ''
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000)
  return new Promise((resolve, reject) => {
    let serving = false
    child.stdout.setEncoding('utf8').on('data', async (chunk: string) => {
      stdout += chunk
      if (serving || !stdout.includes('delete the folder to destroy them')) return
      serving = true
      try {
        await whileServing(stdout)
      } catch (error) {
        reject(error)
      } finally {
        child.kill('SIGINT')
      }
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr, out })
    })
  })
}
