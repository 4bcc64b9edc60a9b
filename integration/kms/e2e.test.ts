import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { CryptoFactory, keyMaterialPath, readParquet, writeParquet } from '@pme/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { KmsAccess, RunningBackend } from './backend.js'
import { type PmeRun, runPme } from './pme-cli.js'
import { configFile } from './pme-config.js'
import { itMode, modeSkipReason, selectedBackends } from './registry.js'
import { useBackend } from './suite-backend.js'

/*
 * End to end through each backend: write with a CryptoFactory over the adapter, `pme encrypt`
 * with a pme.config.json whose kms section points at the backend, read back, rotate the master
 * keys in the KMS, `pme rotate`, read again. Switching from the local KMS is the config file only.
 */

const mode = itMode()
const skip = modeSkipReason(mode)
const backends = await selectedBackends()

const ROWS = [
  { id: 'a-1', name: 'Ann', ssn: '123-45-6789' },
  { id: 'b-2', name: 'Bob', ssn: '987-65-4321' },
  { id: 'c-3', name: 'Cem', ssn: '555-12-3456' },
]

async function factoryFor(running: RunningBackend): Promise<CryptoFactory> {
  return new CryptoFactory(await running.adapter.createKmsClientFactory(running.access.settings))
}

/** Reads with a fresh CryptoFactory (empty caches: every key comes from the KMS again). */
async function readBack(running: RunningBackend, file: string) {
  const factory = await factoryFor(running)
  return readParquet(file, factory.fileDecryptionProperties(running.access.connection, {}, file))
}

const exitCheck = fileURLToPath(new URL('./exits-on-its-own.mjs', import.meta.url))
/** A process that exits by itself does so at once; this only bounds a hung one. */
const EXIT_BOUND_MS = 20_000

/** Runs exits-on-its-own.mjs for `masterKey`; status null when it had to be killed. */
function runExitCheck(type: string, access: KmsAccess, masterKey: string): Promise<PmeRun> {
  const argument = JSON.stringify({ type, connection: access.connection, settings: access.settings, masterKey })
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [exitCheck, argument],
      { timeout: EXIT_BOUND_MS, encoding: 'utf8' },
      (error, stdout, stderr) => {
        resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr })
      },
    )
  })
}

/** Exit 0, and on stderr nothing but the success summary of encrypt and rotate. */
function expectOk(run: PmeRun): void {
  expect(run.stderr).toMatch(/^(pme (encrypt|rotate): 1 file (encrypted|rotated), .*\n)?$/)
  expect(run.status).toBe(0)
}

/** The wrapped keys (KEKs when double wrapping) in an external key material file. */
function wrappedKeys(file: string): string[] {
  const store = JSON.parse(readFileSync(keyMaterialPath(file), 'utf8')) as Record<string, string>
  return Object.values(store).map((text) => {
    const material = JSON.parse(text) as { wrappedKEK?: string; wrappedDEK: string; doubleWrapping: boolean }
    return material.doubleWrapping ? (material.wrappedKEK as string) : material.wrappedDEK
  })
}

for (const backend of backends) {
  const backendSkip = skip ?? backend.skipReason?.(mode)
  if (backendSkip && !skip) console.warn(`[kms] e2e: backend ${backend.name} skipped: ${backendSkip}`)
  describe.skipIf(backendSkip)(`KMS end to end: ${backend.name} (${mode} mode)`, () => {
    const running = useBackend(backend, mode, 'e2e')
    let dir: string
    let config: string
    let footerKey: string
    let columnKey: string

    beforeAll(async () => {
      dir = mkdtempSync(path.join(tmpdir(), `pme-e2e-${backend.name}-`))
      footerKey = await running().createMasterKey()
      columnKey = await running().createMasterKey()
      config = path.join(dir, 'pme.config.json')
      writeFileSync(config, JSON.stringify(configFile(running().kmsType ?? backend.name, running().access), null, 2))
    })
    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true })
    })

    it('writes with a CryptoFactory over the adapter and reads the values back', async () => {
      const file = path.join(dir, 'written.parquet.encrypted')
      const factory = await factoryFor(running())
      const encryption = await factory.fileEncryptionProperties(running().access.connection, {
        footerKey,
        columnKeys: { [columnKey]: ['ssn'] },
      })
      await writeParquet(file, { rows: ROWS }, { encryption })
      expect(readFileSync(file).includes(Buffer.from(ROWS[0]?.ssn ?? ''))).toBe(false)
      expect(await readBack(running(), file)).toEqual(ROWS)
    })

    it('pme encrypt through the config file, read, rotate the master keys, pme rotate, read again', async () => {
      const plain = path.join(dir, 'plain.parquet')
      const encrypted = path.join(dir, 'cli.parquet.encrypted')
      await writeParquet(plain, { rows: ROWS })
      expectOk(
        await runPme([
          'encrypt',
          plain,
          '-o',
          encrypted,
          '--footer-key',
          footerKey,
          '--column-keys',
          `${columnKey}:ssn`,
          '--external-key-material',
          '--config',
          config,
        ]),
      )
      expect(await readBack(running(), encrypted)).toEqual(ROWS)
      const cat = await runPme(['cat', encrypted, '--config', config])
      expectOk(cat)
      expect(
        cat.stdout
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line)),
      ).toEqual(ROWS)

      const before = wrappedKeys(encrypted)
      const parquetBytes = readFileSync(encrypted)
      await running().rotateMasterKey(footerKey)
      await running().rotateMasterKey(columnKey)
      expectOk(await runPme(['rotate', encrypted, '--config', config]))

      const after = wrappedKeys(encrypted)
      expect(after).toHaveLength(before.length)
      for (const [i, wrapped] of after.entries()) expect(wrapped).not.toBe(before[i])
      const versionOf = running().keyVersionOf?.bind(running())
      if (versionOf && before.every((wrapped) => versionOf(wrapped) !== undefined))
        for (const [i, wrapped] of after.entries())
          expect(versionOf(wrapped)).toBe((versionOf(before[i] ?? '') ?? Number.NaN) + 1)
      expect(readFileSync(encrypted).equals(parquetBytes)).toBe(true)
      expect(await readBack(running(), encrypted)).toEqual(ROWS)
    })

    it('a process that used the adapter exits on its own once its CryptoFactory is closed', async () => {
      const run = await runExitCheck(running().kmsType ?? backend.name, running().access, footerKey)
      expect(run.stderr).toBe('')
      expect(run.stdout.trim()).toBe('round trip ok, factory closed')
      expect(run.status).toBe(0) // null: killed after EXIT_BOUND_MS, something kept it alive
    }, 30_000)

    it('pme rotate of key material stored in the file rewrites the footer, and the file still reads', async () => {
      const plain = path.join(dir, 'plain-internal.parquet')
      const encrypted = path.join(dir, 'internal.parquet.encrypted')
      await writeParquet(plain, { rows: ROWS })
      expectOk(
        await runPme(['encrypt', plain, '-o', encrypted, '--footer-key', footerKey, '--uniform', '--config', config]),
      )
      const before = readFileSync(encrypted)
      await running().rotateMasterKey(footerKey)
      expectOk(await runPme(['rotate', encrypted, '--config', config]))
      expect(readFileSync(encrypted).equals(before)).toBe(false)
      expect(await readBack(running(), encrypted)).toEqual(ROWS)
    })
  })
}
