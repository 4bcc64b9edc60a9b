import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { tempDir } from './fixtures.js'
import { pme } from './run-pme.js'

/**
 * The README's examples, run as written: its `sh example` blocks in order, in one empty folder, with
 * `pme` on the PATH (the built binary) and `python3` the repository's pyarrow venv; its JSON blocks
 * as pme.config.json files that `pme config show` must accept.
 */
const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8')
const blocks = (info: string) =>
  [...readme.matchAll(/^```(.*)\n([\s\S]*?)^```$/gm)].filter((m) => m[1] === info).map((m) => m[2] as string)
const bin = fileURLToPath(new URL('../bin/pme.js', import.meta.url))
const venvBin = fileURLToPath(new URL('../../../.cache/venv/bin', import.meta.url))
const hasPython = existsSync(join(venvBin, 'python3'))
if (!hasPython) console.warn(`pyarrow venv not found at ${venvBin}: README example test skips`)

describe('the README', () => {
  it.skipIf(!hasPython)('runs its sh examples as written', () => {
    const examples = blocks('sh example')
    expect(examples.length).toBeGreaterThanOrEqual(2)
    const dir = tempDir()
    const pathDir = join(dir, '.bin')
    spawnSync('mkdir', [pathDir])
    writeFileSync(join(pathDir, 'pme'), `#!/bin/sh\nexec "${process.execPath}" "${bin}" "$@"\n`)
    chmodSync(join(pathDir, 'pme'), 0o755)
    // The examples export their own key list: one from the test's environment must not leak in.
    const { PME_KEY_LIST: _ignored, ...inherited } = process.env
    const path = `${pathDir}:${venvBin}:${dirname(process.execPath)}:/usr/bin:/bin`
    const env = { ...inherited, PATH: path }
    // Set again inside: a BASH_ENV startup file (pyenv's, on these machines) may put its shims first.
    const script = `export PATH='${path}'\nset -euo pipefail\n${examples.join('\n')}`
    const run = spawnSync('bash', ['-c', script], { cwd: dir, env, encoding: 'utf8', timeout: 120_000 })
    expect(run.stderr).not.toMatch(/Error|error:/)
    expect(run.status, run.stderr).toBe(0)
    // What the examples promise: the table with ssn first, a read without the pii key, the rotated file.
    expect(run.stdout).toContain('ssn         | id\n------------+---\n900-12-3456 | 1 \n901-23-4567 | 2 \n')
    expect(run.stdout).toContain('{"id":1}\n{"id":2}\n')
    expect(run.stdout).toContain('id,ssn\n1,900-12-3456\n2,901-23-4567\n')
  })

  it('its JSON configurations are accepted', () => {
    const configs = blocks('json')
    expect(configs.length).toBeGreaterThanOrEqual(2)
    for (const text of configs) {
      const dir = tempDir()
      const file = join(dir, 'pme.config.json')
      // A "$file:" secret is read when the configuration loads: the test provides each one it names.
      const withSecrets = text.replace(/"\$file:(\/[^"]+)"/g, (_match, path: string) => {
        const secret = join(dir, path.replaceAll('/', '_'))
        writeFileSync(secret, 'test-secret\n')
        return JSON.stringify(`$file:${secret}`)
      })
      writeFileSync(file, withSecrets)
      const run = pme(['config', 'show', '--config', file])
      expect(run.stderr).toBe('')
      expect(run.code).toBe(0)
    }
  })
})
