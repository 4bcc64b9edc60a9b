import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { b64, tempDir, writePeople } from './fixtures.js'
import { dataDir, hasData, keyList, pme } from './run-pme.js'

/*
 * The key tools through the command line, on the default local KMS: --key-list holds its master keys.
 */

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex')
const newKeyList = `kf: ${b64('fedcba9876543210')}, kc1: ${b64('0a1b2c3d4e5f6a7b')}, kc2: ${b64('7b6a5f4e3d2c1b0a')}`
const jsonLines = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>)

describe.skipIf(!hasData)('the local KMS', () => {
  it("reads parquet-java's external key material file with its three master keys", () => {
    const dir = tempDir()
    const name = 'external_key_material_java.parquet.encrypted'
    copyFileSync(join(dataDir, name), join(dir, name))
    copyFileSync(join(dataDir, `_KEY_MATERIAL_FOR_${name}.json`), join(dir, `_KEY_MATERIAL_FOR_${name}.json`))
    const { code, stdout, stderr } = pme(['cat', join(dir, name), '--kms', 'local', '--key-list', keyList])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const rows = jsonLines(stdout)
    expect(rows).toHaveLength(100)
    rows.forEach((row, i) => {
      expect(row.integers).toBe(i)
      expect(row.strings).toBe(`${'abcdefghij'[i % 10]}${i}`)
    })
  })

  it('encrypts a plain file with master key ids, inspects master keys, and reads it back', () => {
    const dir = tempDir()
    const out = join(dir, 'alltypes.parquet')
    const args = ['encrypt', join(dataDir, 'alltypes_plain.parquet'), '-o', out, '--footer-key', 'kf']
    const encrypted = pme([...args, '--column-keys', 'kc1:id,bool_col;kc2:string_col', '--key-list', keyList])
    expect(encrypted.stderr).toMatch(/^pme encrypt: 1 file encrypted/)
    expect(encrypted.code).toBe(0)
    const report = JSON.parse(pme(['inspect', out, '--json', '--key-list', keyList]).stdout)
    const masterKey = (path: string) => report.columns.find((c: { path: string }) => c.path === path)?.masterKeyId
    expect(report.footerMasterKeyId).toBe('kf')
    expect([masterKey('id'), masterKey('bool_col'), masterKey('string_col'), masterKey('int_col')]).toEqual([
      'kc1',
      'kc1',
      'kc2',
      null,
    ])
    const original = jsonLines(pme(['cat', join(dataDir, 'alltypes_plain.parquet')]).stdout)
    const decrypted = jsonLines(pme(['cat', out, '--key-list', keyList]).stdout)
    expect(decrypted).toEqual(original)
  })

  it('a master key missing from the key list fails with one line and leaves no output', () => {
    const dir = tempDir()
    const out = join(dir, 'x.parquet')
    const onlyFooter = `kf: ${b64('0123456789012345')}`
    const args = ['encrypt', join(dataDir, 'alltypes_plain.parquet'), '-o', out, '--footer-key', 'kf']
    const { code, stderr } = pme([
      ...args,
      '--column-keys',
      'kc1:id',
      '--key-list',
      onlyFooter,
      '--external-key-material',
    ])
    expect(code).not.toBe(0)
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toContain('kc1')
    expect(readdirSync(dir)).toEqual([])
  })

  // The two spellings of old and new keys: pme's (--previous-key-list old, --key-list new) and
  // parquet-java InMemoryKMS's (--key-list old, --new-key-list new).
  const spellings = {
    pme: ['--previous-key-list', keyList, '--key-list', newKeyList],
    'parquet-java': ['--key-list', keyList, '--new-key-list', newKeyList],
  }
  for (const [external, spelling] of [
    [true, 'pme'],
    [false, 'pme'],
    [true, 'parquet-java'],
  ] as const) {
    it(`rotate re-wraps ${external ? 'external' : 'internal'} key material for the new master keys only (${spelling} key flags)`, () => {
      const dir = tempDir()
      const out = join(dir, 'r.parquet')
      const args = ['encrypt', join(dataDir, 'alltypes_plain.parquet'), '-o', out, '--footer-key', 'kf']
      const flags = external ? ['--external-key-material'] : []
      expect(pme([...args, '--column-keys', 'kc1:id;kc2:string_col', '--key-list', keyList, ...flags]).code).toBe(0)
      const material = join(dir, '_KEY_MATERIAL_FOR_r.parquet.json')
      expect(existsSync(material)).toBe(external)
      const before = sha256(out)
      const readWith = (keys: string) => pme(['cat', out, '--key-list', keys, '--columns', 'id,string_col'])
      expect(readWith(newKeyList).code).toBe(1)

      const rotated = pme(['rotate', out, ...spellings[spelling]])
      expect(rotated.stderr).toMatch(/^pme rotate: 1 file rotated, in [\d.]+ s\n$/)
      expect(rotated.code).toBe(0)
      if (external) expect(sha256(out)).toBe(before)
      else expect(sha256(out)).not.toBe(before)
      expect(readWith(newKeyList).code).toBe(0)
      expect(readWith(keyList).code).toBe(1)
      expect(readdirSync(dir).sort()).toEqual(
        external ? ['_KEY_MATERIAL_FOR_r.parquet.json', 'r.parquet'] : ['r.parquet'],
      )
    })
  }

  it('takes the backend from a config file; a backend that is not installed says which package to install', () => {
    const dir = tempDir()
    const config = join(dir, 'pme.config.json')
    writeFileSync(config, JSON.stringify({ kms: { type: 'local', settings: { keyList } } }))
    const name = 'external_key_material_java.parquet.encrypted'
    copyFileSync(join(dataDir, name), join(dir, name))
    copyFileSync(join(dataDir, `_KEY_MATERIAL_FOR_${name}.json`), join(dir, `_KEY_MATERIAL_FOR_${name}.json`))
    const viaConfig = pme(['cat', join(dir, name), '--limit', '1'], { PME_CONFIG: config })
    expect(viaConfig.stderr).toBe('')
    expect(JSON.parse(viaConfig.stdout)).toEqual({ integers: 0, strings: 'a0' })

    writeFileSync(config, JSON.stringify({ kms: { type: 'nosuch' } }))
    const missing = pme(['cat', join(dir, name), '--config', config])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('install @pme/kms-nosuch')
  })

  it('--explicit-keys stores key ids as key metadata, like the parquet-testing files', () => {
    const dir = tempDir()
    const out = join(dir, 'e.parquet')
    const args = ['encrypt', join(dataDir, 'alltypes_plain.parquet'), '-o', out, '--footer-key', 'kf', '--uniform']
    expect(pme([...args, '--explicit-keys', '--key-list', keyList]).code).toBe(0)
    const report = JSON.parse(pme(['inspect', out, '--json', '--key-list', keyList]).stdout)
    expect(report.footerKeyMetadata).toEqual({ text: 'kf' })
    expect(report.footerMasterKeyId).toBeNull()
  })
})

describe('a cloud KMS adapter through the command line', () => {
  it('gcp: a CryptoKeyVersion name as master key is a usage error (exit 2) naming cryptoKeyVersions; nothing is written', async () => {
    const dir = tempDir()
    const plain = await writePeople(join(dir, 'plain.parquet'))
    const config = join(dir, 'pme.config.json')
    // No emulator: the id is refused before any call (the endpoint is never contacted).
    writeFileSync(config, JSON.stringify({ kms: { type: 'gcp', settings: { endpoint: 'http://127.0.0.1:1' } } }))
    const key = 'projects/p/locations/global/keyRings/r/cryptoKeys/k'
    const out = join(dir, 'out.parquet.encrypted')
    const args = [
      'encrypt',
      plain,
      '-o',
      out,
      '--footer-key',
      `${key}/cryptoKeyVersions/1`,
      '--uniform',
      '--config',
      config,
    ]
    const { code, stdout, stderr } = pme([...args, '--external-key-material'])
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toContain('cryptoKeyVersions')
    expect(stderr).toContain(`"${key}"`)
    expect(readdirSync(dir).sort()).toEqual(['plain.parquet', 'pme.config.json'])
  })
})
