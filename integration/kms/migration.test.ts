import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { CryptoFactory, readParquet, writeParquet } from '@pme/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningBackend } from './backend.js'
import { runPme } from './pme-cli.js'
import { configFile } from './pme-config.js'
import { itMode, modeSkipReason, selectedBackends } from './registry.js'
import { useBackend } from './suite-backend.js'

/*
 * Moving files between real backends: written through Vault (OpenBao), moved to AWS KMS (moto) with
 * `pme rotate --config vault.json --to-config aws.json --master-key-map ...`, key material inside
 * the files and beside them. Afterwards AWS alone reads every column, Vault none, and the bytes
 * before each footer (the pages) are the ones written.
 */

const mode = itMode()
const backends = await selectedBackends()
const vault = backends.find((backend) => backend.name === 'vault')
const aws = backends.find((backend) => backend.name === 'aws')
const skip =
  process.env.PME_IT_ONCE === 'skip'
    ? 'PME_IT_ONCE=skip: the migration suite ran in the first pass'
    : !vault || !aws
      ? 'needs both vault and aws in PME_IT_BACKENDS'
      : (modeSkipReason(mode) ?? vault.skipReason?.(mode) ?? aws.skipReason?.(mode))
if (skip) console.warn(`[kms] migration: skipped: ${skip}`)

const ROWS = Array.from({ length: 12 }, (_, i) => ({ id: `r-${i}`, name: `name ${i}`, ssn: `000-00-${1000 + i}` }))

/** Where the footer region starts: everything before it is pages (and indexes), which must not move. */
function footerOffset(bytes: Buffer): number {
  return bytes.length - 8 - bytes.readUInt32LE(bytes.length - 8)
}

/** Reads with a fresh CryptoFactory over `running`: every key comes from that KMS. */
async function readWith(running: RunningBackend, file: string, columns?: string[]) {
  const factory = new CryptoFactory(await running.adapter.createKmsClientFactory(running.access.settings))
  const properties = factory.fileDecryptionProperties(running.access.connection, {}, file)
  return readParquet(file, { ...properties, ...(columns ? { columns } : {}) })
}

describe.skipIf(skip)(`KMS migration: vault to aws (${mode} mode)`, () => {
  const source = useBackend(vault as NonNullable<typeof vault>, mode, 'migration')
  const target = useBackend(aws as NonNullable<typeof aws>, mode, 'migration')
  let dir: string
  let sourceConfig: string
  let targetConfig: string
  let map: string
  let keys: { footer: string; pii: string }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'pme-migration-'))
    keys = { footer: await source().createMasterKey(), pii: await source().createMasterKey() }
    map = `${keys.footer}=${await target().createMasterKey()},${keys.pii}=${await target().createMasterKey()}`
    sourceConfig = path.join(dir, 'vault.json')
    targetConfig = path.join(dir, 'aws.json')
    writeFileSync(sourceConfig, JSON.stringify(configFile('vault', source().access)))
    writeFileSync(targetConfig, JSON.stringify(configFile('aws', target().access)))
  })
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('moves internal and external key material; AWS alone reads, pages unchanged; a re-run skips', async () => {
    const plain = path.join(dir, 'plain.parquet')
    await writeParquet(plain, { rows: ROWS })
    const folder = path.join(dir, 'table')
    mkdirSync(folder)
    const variants = [
      { name: 'internal.parquet', flags: [] as string[] },
      { name: 'internal-plaintext-footer.parquet', flags: ['--plaintext-footer'] },
      { name: 'external.parquet', flags: ['--external-key-material'] },
      { name: 'external-single.parquet', flags: ['--external-key-material', '--no-double-wrapping'] },
    ]
    const written = []
    for (const { name, flags } of variants) {
      const file = path.join(folder, name)
      const args = ['encrypt', plain, '-o', file, '--footer-key', keys.footer, '--column-keys', `${keys.pii}:name,ssn`]
      const run = await runPme([...args, ...flags, '--config', sourceConfig, '--quiet'])
      expect(run.stderr).toBe('')
      expect(await readWith(source(), file)).toEqual(ROWS)
      written.push({ file, external: flags.includes('--external-key-material'), bytes: readFileSync(file) })
    }

    const migrate = ['rotate', folder, '--config', sourceConfig, '--to-config', targetConfig, '--master-key-map', map]
    const moved = await runPme([...migrate, '--json'])
    expect(moved.stderr).toBe('')
    expect(moved.status).toBe(0)
    const report = JSON.parse(moved.stdout) as { files: { input: string; outcome: string }[] }
    expect(report.files.map((file) => file.outcome)).toEqual(Array(variants.length).fill('migrated'))

    for (const { file, external, bytes } of written) {
      const after = readFileSync(file)
      const offset = footerOffset(bytes)
      expect(footerOffset(after)).toBe(offset)
      expect(after.subarray(0, offset).equals(bytes.subarray(0, offset))).toBe(true)
      expect(after.equals(bytes)).toBe(external)
      expect(await readWith(target(), file)).toEqual(ROWS)
      for (const column of ['name', 'ssn']) {
        await expect(readWith(source(), file, [column])).rejects.toMatchObject({ code: expect.stringMatching(/^PME_/) })
      }
      const cat = await runPme(['cat', file, '--config', targetConfig])
      expect(cat.status).toBe(0)
      const ssns = cat.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).ssn)
      expect(ssns).toEqual(ROWS.map((row) => row.ssn))
    }

    const again = await runPme([...migrate, '--json'])
    expect(again.status).toBe(0)
    const outcomes = (JSON.parse(again.stdout) as typeof report).files.map((file) => file.outcome)
    expect(outcomes).toEqual(Array(variants.length).fill('already-migrated'))
  })
})
