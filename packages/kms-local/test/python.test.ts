import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CryptoFactory, readParquet, writeParquet } from '@pme/core'
import { afterAll, describe, expect, it } from 'vitest'
import { LocalKms, localKmsClientFactory } from '../src/index.js'
import { b64, DEK, KC1, KC2, KEY_LIST, KF } from './helpers.js'

/*
 * Optional cross-check with Python: an InMemoryKMS-compatible pyarrow KmsClient written with the
 * `cryptography` package (test/python/in_memory_kms.py). Needs the repository's pyarrow venv
 * ($PME_VENV_DIR, default <repo>/.cache/venv); skips with a note without it.
 */

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))
const python = join(process.env.PME_VENV_DIR || join(repoRoot, '.cache', 'venv'), 'bin', 'python')
const script = fileURLToPath(new URL('./python/in_memory_kms.py', import.meta.url))
const MASTER_KEYS = { kf: b64(KF), kc1: b64(KC1), kc2: b64(KC2) }

function pythonReady(): boolean {
  const probe = existsSync(python)
    ? spawnSync(python, ['-c', 'import cryptography, pyarrow'], { encoding: 'utf8' })
    : undefined
  if (probe?.status === 0) return true
  console.warn(`[skip] Python cross-check: no venv with cryptography and pyarrow at ${python} (set PME_VENV_DIR)`)
  return false
}

type Result = { ok: boolean; error?: string; [field: string]: unknown }

/** Runs jobs in one Python process; throws when a job failed, with Python's message. */
function runPython(jobs: Record<string, unknown>[]): Result[] {
  const input = JSON.stringify(jobs.map((job) => ({ master_keys: MASTER_KEYS, ...job })))
  const run = spawnSync(python, [script], { input, encoding: 'utf8', timeout: 60_000 })
  if (run.status !== 0) throw new Error(`in_memory_kms.py failed: ${run.stderr}`)
  const results = JSON.parse(run.stdout) as Result[]
  for (const result of results) if (!result.ok) throw new Error(`Python job failed: ${result.error}`)
  return results
}

describe.skipIf(!pythonReady())('Python cross-check (cryptography, pyarrow)', () => {
  const kms = new LocalKms(KEY_LIST)
  const dir = mkdtempSync(join(tmpdir(), 'pme-kms-local-python-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('wraps and unwraps keys with Python, both directions', () => {
    const ours = { kf: kms.wrap(DEK, 'kf'), kc2: kms.wrap(DEK, 'kc2') }
    const [pyWrapped, pyUnwrapKf, pyUnwrapKc2] = runPython([
      { op: 'wrap', id: 'kc1', key: b64(DEK) },
      { op: 'unwrap', id: 'kf', wrapped: ours.kf },
      { op: 'unwrap', id: 'kc2', wrapped: ours.kc2 },
    ])
    expect(kms.unwrap(pyWrapped?.wrapped as string, 'kc1')).toEqual(DEK)
    expect(pyUnwrapKf?.key).toBe(b64(DEK))
    expect(pyUnwrapKc2?.key).toBe(b64(DEK))
  })

  it('reads a file pyarrow wrote with its InMemoryKMS-compatible client', async () => {
    const path = join(dir, 'pyarrow.parquet.encrypted')
    const rows = [
      { id: 1, ssn: '123-45-6789', name: 'Ann' },
      { id: 2, ssn: '234-56-7890', name: 'Bob' },
    ]
    runPython([{ op: 'write', path, footer_key: 'kf', column_keys: { kc1: ['ssn'], kc2: ['name'] }, rows }])
    const factory = new CryptoFactory(localKmsClientFactory(kms))
    const read = await readParquet(path, factory.fileDecryptionProperties({}))
    expect(read.map((row) => ({ ...row, id: Number(row.id) }))).toEqual(rows)
  })

  it('writes a file that pyarrow reads with its InMemoryKMS-compatible client', async () => {
    const path = join(dir, 'pme.parquet.encrypted')
    const rows = [
      { id: 1, ssn: '123-45-6789', name: 'Ann' },
      { id: 2, ssn: '234-56-7890', name: 'Bob' },
    ]
    const factory = new CryptoFactory(localKmsClientFactory(kms))
    const encryption = await factory.fileEncryptionProperties(
      {},
      { footerKey: 'kf', columnKeys: { kc1: ['ssn'], kc2: ['name'] } },
    )
    await writeParquet(path, { rows }, { encryption })
    const [result] = runPython([{ op: 'read', path }])
    expect(result?.rows).toEqual(rows)
  })
})
