import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { b64, people, tempDir, writePeople } from './fixtures.js'
import { pme } from './run-pme.js'
import { startServer } from './serve-process.js'

/*
 * `pme rotate --to-config`: files written with the local KMS move to `pme kms serve` (the http
 * backend) without a page being re-encrypted. Afterwards the server alone reads every column, the
 * old key list none; a second run skips every file.
 */

const sourceKeys = `footer: ${b64('source-footer-key-0123456789abcd')}, pii: ${b64('source-pii-key-0123456789abcdefg')}`
// Other names (through the map) and other bytes: the old keys open nothing afterwards.
const targetKeys = `t-footer: ${b64('target-footer-key-0123456789abcd')}, t-pii: ${b64('target-pii-key-0123456789abcdefg')}`
const MAP = 'footer=t-footer,pii=t-pii'

/** Where the footer region starts: everything before it is pages (and indexes), which must not change. */
function footerOffset(bytes: Buffer): number {
  return bytes.length - 8 - bytes.readUInt32LE(bytes.length - 8)
}

const rows = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))

interface Written {
  readonly path: string
  readonly external: boolean
  readonly bytes: Buffer
}

/** A folder of files written with the local KMS: footer encrypted or plaintext, key material in or beside them. */
async function warehouse(): Promise<{ folder: string; files: Written[] }> {
  const dir = tempDir()
  const plain = await writePeople(join(dir, 'people.parquet'))
  const folder = join(dir, 'warehouse')
  mkdirSync(join(folder, 'year=2024'), { recursive: true })
  const variants = [
    { name: 'a.parquet', flags: [] as string[] },
    { name: 'b.parquet', flags: ['--plaintext-footer'] },
    { name: 'year=2024/c.parquet', flags: ['--external-key-material'] },
    { name: 'year=2024/d.parquet', flags: ['--external-key-material', '--no-double-wrapping'] },
  ]
  const files: Written[] = []
  for (const { name, flags } of variants) {
    const path = join(folder, name)
    const args = ['encrypt', plain, '-o', path, '--footer-key', 'footer', '--column-keys', 'pii:name,ssn', ...flags]
    const run = pme([...args, '--key-list', sourceKeys, '--quiet'])
    expect(run.stderr).toBe('')
    files.push({ path, external: flags.includes('--external-key-material'), bytes: readFileSync(path) })
  }
  return { folder, files }
}

function targetConfig(url: string): string {
  const path = join(tempDir(), 'target.json')
  writeFileSync(path, JSON.stringify({ kms: { type: 'http', instanceUrl: url } }))
  return path
}

describe('pme rotate --to-config: local KMS to pme kms serve', () => {
  it('moves every file of a folder; the server alone reads them, pages unchanged; a re-run skips all', async () => {
    const { url } = await startServer(['--open'], { PME_KEY_LIST: targetKeys })
    const { folder, files } = await warehouse()
    const config = targetConfig(url)
    const http = ['--kms', 'http', '--kms-instance-url', url]
    const migrate = (flag: string) =>
      pme(['rotate', folder, '--key-list', sourceKeys, '--to-config', config, '--master-key-map', MAP, flag])

    const dry = migrate('--dry-run')
    expect(dry.stderr).toBe('')
    expect(dry.code).toBe(0)
    expect(dry.stdout.trim().split('\n').sort()).toEqual(files.map(({ path }) => `would-migrate ${path}`).sort())
    for (const { path, bytes } of files) expect(readFileSync(path).equals(bytes)).toBe(true)

    const moved = migrate('--json')
    expect(moved.stderr).toBe('')
    expect(moved.code).toBe(0)
    const report = JSON.parse(moved.stdout)
    expect(report).toMatchObject({ command: 'rotate', ok: 4, failed: 0 })
    expect(report.files.map((file: { outcome: string }) => file.outcome)).toEqual(Array(4).fill('migrated'))
    // Folders as in rotation: key material files are not data files.
    expect(report.files.map((file: { input: string }) => file.input).sort()).toEqual(files.map((f) => f.path).sort())

    for (const { path, external, bytes } of files) {
      const after = readFileSync(path)
      if (external) expect(after.equals(bytes)).toBe(true)
      else {
        const offset = footerOffset(bytes)
        expect(footerOffset(after)).toBe(offset)
        expect(after.subarray(0, offset).equals(bytes.subarray(0, offset))).toBe(true)
        expect(after.equals(bytes)).toBe(false)
      }
      const byTarget = pme(['cat', path, ...http])
      expect(byTarget.stderr).toBe('')
      expect(rows(byTarget.stdout)).toEqual(people)
      for (const column of ['name', 'ssn']) {
        const bySource = pme(['cat', path, '--columns', column, '--key-list', sourceKeys])
        expect(bySource.code).toBe(1)
        expect(bySource.stdout).toBe('')
      }
    }
    expect(readdirSync(join(folder, 'year=2024')).filter((name) => name.includes('tmp'))).toEqual([])
    // d was written with single wrapping: in the target, data keys are double-wrapped (the default).
    const store = JSON.parse(readFileSync(join(folder, 'year=2024', '_KEY_MATERIAL_FOR_d.parquet.json'), 'utf8'))
    const materials = Object.values(store).map((text) => JSON.parse(text as string))
    expect(materials.map((material) => [material.masterKeyID, material.doubleWrapping]).sort()).toEqual([
      ['t-footer', true],
      ['t-pii', true],
      ['t-pii', true],
    ])

    const again = migrate('--json')
    expect(again.code).toBe(0)
    const outcomes = JSON.parse(again.stdout).files.map((file: { outcome: string }) => file.outcome)
    expect(outcomes).toEqual(Array(4).fill('already-migrated'))
  })

  it('a file that does not store its AAD prefix moves with --aad-prefix, and still does not store it', async () => {
    const dir = tempDir()
    const plain = await writePeople(join(dir, 'people.parquet'))
    const file = join(dir, 'people.enc.parquet')
    const encrypt = ['encrypt', plain, '-o', file, '--footer-key', 'footer', '--column-keys', 'pii:ssn']
    expect(pme([...encrypt, '--aad-prefix', 'table-7', '--no-store-aad-prefix', '--key-list', sourceKeys]).code).toBe(0)
    const target = join(dir, 'target.json')
    writeFileSync(target, JSON.stringify({ kms: { type: 'local', keyList: targetKeys } }))
    const migrate = ['rotate', file, '--key-list', sourceKeys, '--to-config', target, '--master-key-map', MAP]
    expect(pme(migrate).stderr).toMatch(/AadPrefixError/)
    const moved = pme([...migrate, '--aad-prefix', 'table-7'])
    expect(moved.stderr).toMatch(/^pme rotate: 1 file migrated, in \d+\.\d s\n$/)
    expect(moved.code).toBe(0)
    const cat = pme(['cat', file, '--key-list', targetKeys, '--aad-prefix', 'table-7'])
    expect(cat.stderr).toBe('')
    expect(rows(cat.stdout)).toEqual(people)
    expect(pme(['cat', file, '--key-list', targetKeys]).stderr).toMatch(/AadPrefixError/)
  })

  it('usage errors: the migration options need --to-config; a malformed map; a target without a KMS', () => {
    const dir = tempDir()
    const alone = pme(['rotate', join(dir, 'x.parquet'), '--key-list', sourceKeys, '--dry-run'])
    expect(alone.code).toBe(2)
    expect(alone.stderr).toContain('--dry-run goes with --to-config <file>')
    const empty = join(dir, 'empty.json')
    writeFileSync(empty, '{}')
    const file = join(dir, 'x.parquet')
    writeFileSync(file, 'not parquet')
    const noTarget = pme(['rotate', file, '--key-list', sourceKeys, '--to-config', empty])
    expect(noTarget.code).toBe(2)
    expect(noTarget.stderr).toContain('sets no KMS to wrap with')
    // An exported key list configures the source only: it does not make a key-less local target usable.
    const localWithoutKeys = join(dir, 'local.json')
    writeFileSync(localWithoutKeys, JSON.stringify({ kms: { type: 'local' } }))
    const leaked = pme(['rotate', file, '--to-config', localWithoutKeys], { PME_KEY_LIST: sourceKeys })
    expect(leaked.code).toBe(2)
    expect(leaked.stderr).toContain('sets no KMS to wrap with')
    const emptyFolder = join(dir, 'empty')
    mkdirSync(emptyFolder)
    writeFileSync(join(emptyFolder, '_SUCCESS'), '')
    const localTarget = join(dir, 'target.json')
    writeFileSync(localTarget, JSON.stringify({ kms: { type: 'local', keyList: targetKeys } }))
    const nothing = pme(['rotate', emptyFolder, '--key-list', sourceKeys, '--to-config', localTarget])
    expect(nothing.code).toBe(2)
    expect(nothing.stderr).toContain(`no Parquet files in folder ${emptyFolder}`)
    const noSource = pme(['rotate', file, '--to-config', localTarget])
    expect(noSource.code).toBe(2)
    expect(noSource.stderr).toContain('the current configuration unwraps the files, and it has no master keys')
    const badMap = pme(['rotate', file, '--key-list', sourceKeys, '--to-config', empty, '--master-key-map', 'a=b=c'])
    expect(badMap.code).toBe(2)
    expect(badMap.stderr).toContain('--master-key-map entries are old=new, got "a=b=c"')
  })
})
