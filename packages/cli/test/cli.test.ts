import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { writeParquet } from '@pme/core'
import { describe, expect, it } from 'vitest'
import { b64, tempDir } from './fixtures.js'
import { dataDir, hasData, keyList, pme, testKeys } from './run-pme.js'

const file = (name: string) => join(dataDir, `${name}.parquet.encrypted`)

describe('usage', () => {
  it('prints help and exits 2 without a command', () => {
    const { code, stdout } = pme([])
    expect(code).toBe(2)
    expect(stdout).toContain('usage: pme <command>')
  })

  it('rejects unknown commands and options with exit 2 and one line', () => {
    expect(pme(['frobnicate']).code).toBe(2)
    const { code, stderr } = pme(['cat', 'x.parquet', '--no-such-flag'])
    expect(code).toBe(2)
    expect(stderr.trim().split('\n')).toHaveLength(1)
  })

  it('names a missing file without a stack trace', () => {
    const { code, stderr } = pme(['cat', '/nonexistent/file.parquet'])
    expect(code).toBe(1)
    expect(stderr).toContain('/nonexistent/file.parquet')
    expect(stderr).not.toMatch(/\n\s+at /)
  })
})

describe.skipIf(!hasData)('on parquet-testing files', () => {
  it('cat prints generator values as jsonl, limited', () => {
    const { code, stdout } = pme(['cat', file('encrypt_columns_and_footer'), '--key-list', keyList, '--limit', '4'])
    expect(code).toBe(0)
    const rows = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(rows).toHaveLength(4)
    rows.forEach((row, i) => {
      expect(row.int32_field).toBe(i)
      expect(row.boolean_field).toBe(i % 2 === 0)
      expect(row.double_field).toBeCloseTo(i * 1.1111111, 12)
      // ba_field is BYTE_ARRAY without a text annotation (pyarrow reads it as binary): hex.
      expect(row.ba_field).toBe(i % 2 === 0 ? Buffer.from(`parquet00${i}`).toString('hex') : null)
      expect(row.flba_field).toBe(i.toString(16).padStart(2, '0').repeat(10))
    })
  })

  it('cat --format csv projects columns and needs no key for the columns it skips', () => {
    // Plaintext-footer file: int32_field and ba_field are plaintext, so no key at all is needed.
    const args = [
      'cat',
      file('encrypt_columns_plaintext_footer'),
      '--columns',
      'int32_field,ba_field',
      '--format',
      'csv',
    ]
    const { code, stdout } = pme(args)
    expect(code).toBe(0)
    const lines = stdout.trim().split('\n')
    expect(lines[0]).toBe('int32_field,ba_field')
    expect(lines).toHaveLength(51)
    expect(lines[3]).toBe(`2,${Buffer.from('parquet002').toString('hex')}`)
    expect(lines[4]).toBe('3,')
  })

  it('cat of an encrypted column without its key fails with one line naming file and column', () => {
    const { code, stdout, stderr } = pme(['cat', file('encrypt_columns_plaintext_footer'), '--columns', 'double_field'])
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toContain('double_field')
    expect(stderr).toContain('encrypt_columns_plaintext_footer')
  })

  it('a wrong key is an integrity failure that names the module and never prints key bytes', () => {
    const wrong = keyList.replace(
      Buffer.from(testKeys.kc1).toString('base64'),
      Buffer.from('x'.repeat(16)).toString('base64'),
    )
    const { code, stdout, stderr } = pme(['cat', file('encrypt_columns_and_footer'), '--key-list', wrong])
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr).toMatch(/tag mismatch/)
    expect(stderr).toContain('double_field')
    expect(stderr).toContain('module')
    for (const key of Object.values(testKeys)) {
      expect(stderr).not.toContain(key)
      expect(stderr).not.toContain(Buffer.from(key).toString('base64'))
      expect(stderr).not.toContain(Buffer.from(key).toString('hex'))
    }
  })

  it('reads keys from PME_KEY_LIST when --key-list is absent', () => {
    const { code, stdout } = pme(['cat', file('uniform_encryption'), '--limit', '1'], { PME_KEY_LIST: keyList })
    expect(code).toBe(0)
    expect(JSON.parse(stdout).int32_field).toBe(0)
  })

  it('inspect --json reports what the reference says about each file', () => {
    const plain = JSON.parse(pme(['inspect', file('encrypt_columns_plaintext_footer'), '--json']).stdout)
    expect(plain).toMatchObject({ magic: 'PAR1', footer: 'plaintext', algorithm: 'AES_GCM_V1', aadPrefix: 'none' })
    expect(plain.footerKeyMetadata).toEqual({ text: 'kf' })
    expect(plain.footerSignature).toBe('not-checked')
    const byPath = Object.fromEntries(plain.columns.map((c: { path: string }) => [c.path, c]))
    expect(byPath.double_field).toMatchObject({ encrypted: true, key: 'column', keyMetadata: { text: 'kc1' } })
    expect(byPath.float_field).toMatchObject({ encrypted: true, key: 'column', keyMetadata: { text: 'kc2' } })
    expect(byPath.int32_field).toMatchObject({ encrypted: false, key: null })

    const verified = JSON.parse(
      pme(['inspect', file('encrypt_columns_plaintext_footer'), '--json', '--key-list', keyList]).stdout,
    )
    expect(verified.footerSignature).toBe('verified')

    const ctr = JSON.parse(
      pme(['inspect', file('encrypt_columns_and_footer_ctr'), '--json', '--key-list', keyList]).stdout,
    )
    expect(ctr).toMatchObject({ magic: 'PARE', footer: 'encrypted', algorithm: 'AES_GCM_CTR_V1' })

    const aad = JSON.parse(
      pme(['inspect', file('encrypt_columns_and_footer_aad'), '--json', '--key-list', keyList]).stdout,
    )
    expect(aad).toMatchObject({ aadPrefix: 'stored', aadPrefixValue: 'tester' })
  })

  it('inspect without the footer key shows the crypto metadata of an encrypted footer', () => {
    const { code, stdout } = pme(['inspect', file('encrypt_columns_and_footer_disable_aad_storage'), '--json'])
    expect(code).toBe(0)
    const report = JSON.parse(stdout)
    expect(report).toMatchObject({ magic: 'PARE', footerReadable: false, aadPrefix: 'must-supply', columns: null })
    expect(report.footerKeyMetadata).toEqual({ text: 'kf' })
  })

  it('decrypt writes a plain file that reads without keys; a failure leaves nothing behind', () => {
    const dir = tempDir()
    const out = join(dir, 'plain.parquet')
    const args = ['decrypt', file('encrypt_columns_and_footer_aad'), '-o', out, '--key-list', keyList]
    expect(pme(args).code).toBe(0)
    const inspected = JSON.parse(pme(['inspect', out, '--json']).stdout)
    expect(inspected).toMatchObject({ magic: 'PAR1', encrypted: false, numRows: 50 })
    const rows = pme(['cat', out, '--columns', 'float_field', '--format', 'csv']).stdout.trim().split('\n')
    expect(Number(rows[11])).toBeCloseTo(Math.fround(10 * 1.1), 5)

    const failed = join(dir, 'failed.parquet')
    const noPrefix = pme([
      'decrypt',
      file('encrypt_columns_and_footer_disable_aad_storage'),
      '-o',
      failed,
      '--key-list',
      keyList,
    ])
    expect(noPrefix.code).toBe(1)
    expect(noPrefix.stderr).toMatch(/AAD prefix/)
    expect(readdirSync(dir)).toEqual(['plain.parquet'])
  })

  it('decrypt refuses to overwrite its input', () => {
    const input = file('uniform_encryption')
    const { code, stderr } = pme(['decrypt', input, '-o', input, '--key-list', keyList])
    expect(code).toBe(2)
    expect(stderr).toContain('must not be the input')
  })
})

describe('leaf-level projection', () => {
  /** A struct whose two leaves are under different column keys. */
  async function writeAddresses(path: string, keys: Record<string, string>): Promise<void> {
    const spec = (id: string) => ({ key: Buffer.from(keys[id] as string), keyMetadata: Buffer.from(id) })
    const schema = [
      { name: 'root', num_children: 2 },
      { name: 'id', type: 'INT32', repetition_type: 'REQUIRED' },
      { name: 'address', repetition_type: 'REQUIRED', num_children: 2 },
      { name: 'city', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
      { name: 'zip', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
    ] as const
    const addresses = [0, 1, 2].map((i) => ({ city: `city ${i}`, zip: `zip ${i}` }))
    await writeParquet(
      path,
      {
        columns: [
          { name: 'id', data: Int32Array.from([0, 1, 2]) },
          { name: 'address', data: addresses },
        ],
      },
      {
        schema: [...schema],
        encryption: {
          footerKey: spec('kf'),
          columnKeys: { 'address.city': spec('kcity'), 'address.zip': spec('kzip') },
          completeColumns: true,
        },
      },
    )
  }

  it('cat --columns id,address.city needs no key for address.zip', async () => {
    const keys = { kf: '0123456789012345', kcity: '1234567890123450', kzip: '1234567890123451' }
    const path = join(tempDir(), 'addresses.parquet')
    await writeAddresses(path, keys)
    const withoutZip = `kf: ${b64(keys.kf)}, kcity: ${b64(keys.kcity)}`
    const { code, stdout, stderr } = pme(['cat', path, '--columns', 'id,address.city', '--key-list', withoutZip])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(
      stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([0, 1, 2].map((i) => ({ id: i, address: { city: `city ${i}` } })))
    const whole = pme(['cat', path, '--columns', 'id,address', '--key-list', withoutZip])
    expect(whole.code).toBe(1)
    expect(whole.stderr).toContain('address.zip')
  })
})
