import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CryptoFactory, readParquet } from '@pme/core'
import { createKmsClientFactory } from '@pme/kms-local'
import { describe, expect, it } from 'vitest'
import { b64, people, tempDir, writePeople } from './fixtures.js'
import { pme } from './run-pme.js'

/*
 * Crash safety of `pme rotate --to-config`, with real kills: the pme process is killed with SIGKILL
 * before each of its file-system steps in turn (hooks/kill-at-step.mjs). After every kill each file
 * must read whole with exactly one of the two backends, and a re-run must skip the files that moved
 * and finish the others.
 */

const bin = fileURLToPath(new URL('../bin/pme.js', import.meta.url))
const hook = fileURLToPath(new URL('./hooks/kill-at-step.mjs', import.meta.url))
const sourceKeys = `footer: ${b64('source-footer-key-0123456789abcd')}, pii: ${b64('source-pii-key-0123456789abcdefg')}`
const targetKeys = `footer: ${b64('target-footer-key-0123456789abcd')}, pii: ${b64('target-pii-key-0123456789abcdefg')}`
const NAMES = ['a.parquet', 'b.parquet', 'c.parquet']

function hooked(args: string[], env: Record<string, string>) {
  const result = spawnSync(process.execPath, ['--import', hook, bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  })
  return { code: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr }
}

/** Reads a file whole with a local KMS holding `keyList`, or undefined when it cannot. */
async function readWith(keyList: string, path: string) {
  const factory = new CryptoFactory(createKmsClientFactory({ keyList }))
  return readParquet(path, factory.fileDecryptionProperties({}, {}, path)).catch(() => undefined)
}

async function readableBy(path: string): Promise<'source' | 'target'> {
  const bySource = await readWith(sourceKeys, path)
  const byTarget = await readWith(targetKeys, path)
  expect([bySource, byTarget].filter(Boolean)).toHaveLength(1)
  expect(bySource ?? byTarget).toEqual(people)
  return bySource ? 'source' : 'target'
}

describe('pme rotate --to-config killed at every step', () => {
  it('leaves every file readable by the source or the target; a re-run skips the moved ones and finishes', async () => {
    const dir = tempDir()
    const plain = await writePeople(join(dir, 'people.parquet'))
    const original = join(dir, 'original')
    mkdirSync(original)
    const flags = [[], ['--plaintext-footer'], ['--external-key-material']]
    NAMES.forEach((name, i) => {
      const args = ['encrypt', plain, '-o', join(original, name), '--footer-key', 'footer', '--column-keys', 'pii:ssn']
      expect(pme([...args, ...(flags[i] ?? []), '--key-list', sourceKeys]).code).toBe(0)
    })
    const target = join(dir, 'target.json')
    writeFileSync(target, JSON.stringify({ kms: { type: 'local', keyList: targetKeys } }))
    const migrate = (folder: string) => ['rotate', folder, '--key-list', sourceKeys, '--to-config', target, '--json']

    // An undisturbed run, counting its steps.
    const counted = join(dir, 'counted')
    cpSync(original, counted, { recursive: true })
    const countFile = join(dir, 'steps')
    expect(hooked(migrate(counted), { PME_TEST_COUNT_FILE: countFile }).code).toBe(0)
    const steps = Number(readFileSync(countFile, 'utf8'))
    expect(steps).toBeGreaterThanOrEqual(8)

    const seen = new Set<string>()
    for (let killAt = 1; killAt <= steps; killAt++) {
      const folder = join(dir, `kill-${killAt}`)
      cpSync(original, folder, { recursive: true })
      const killed = hooked(migrate(folder), { PME_TEST_KILL_AT: String(killAt) })
      expect(killed.signal).toBe('SIGKILL')
      const states: string[] = []
      for (const name of NAMES) states.push(await readableBy(join(folder, name)))
      seen.add(states.join(','))

      const rerun = pme(migrate(folder))
      expect(rerun.code).toBe(0)
      const outcomes = JSON.parse(rerun.stdout).files.map((file: { outcome: string }) => file.outcome)
      expect(outcomes).toEqual(states.map((state) => (state === 'target' ? 'already-migrated' : 'migrated')))
      for (const name of NAMES) expect(await readableBy(join(folder, name))).toBe('target')
    }
    // The kills fell before the first replacement and between each two; steps after the last one (a
    // Hadoop .crc sidecar check) leave every file moved. Files move in order, never out of it.
    const inOrder = ['source,source,source', 'target,source,source', 'target,target,source', 'target,target,target']
    for (const state of inOrder.slice(0, 3)) expect(seen).toContain(state)
    for (const state of seen) expect(inOrder).toContain(state)
  }, 240_000)
})
