import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { hadoopChecksumBytes } from '@pme/core'
import { describe, expect, it } from 'vitest'
import { b64, people, tempDir, writePeople } from './fixtures.js'
import { pme } from './run-pme.js'

/** What a data engineer meets first: one clear line per mistake, outputs kept safe, rotation by folder. */

const keyList = `footer: ${b64('0123456789012345')}, pii: ${b64('1234567890123450')}`
const newKeyList = `footer: ${b64('fedcba9876543210')}, pii: ${b64('0a1b2c3d4e5f6a7b')}`
const encryptArgs = ['--footer-key', 'footer', '--column-keys', 'pii:ssn', '--key-list', keyList]

const usageError = (run: ReturnType<typeof pme>, message: RegExp) => {
  expect(run.stderr.trim().split('\n')).toHaveLength(1)
  expect(run.stderr).toMatch(message)
  expect(run.code).toBe(2)
}

describe('errors: one line that says what happened and what to do', () => {
  it('an unknown flag names the closest known one', () => {
    usageError(
      pme(['cat', 'x.parquet', '--colums', 'a']),
      /^pme cat: UsageError: unknown option --colums \(did you mean --columns\? see pme cat --help\)\n$/,
    )
    usageError(pme(['rotate', 'x', '--new-keylist', 'a']), /did you mean --new-key-list\?/)
  })

  it('a folder given as a file, and a missing output folder', async () => {
    const dir = tempDir()
    usageError(pme(['cat', dir]), /is a folder, not a Parquet file: give its files/)
    usageError(pme(['inspect', dir]), /is a folder, not a Parquet file/)
    const input = await writePeople(join(dir, 'people.parquet'))
    const missing = join(dir, 'no-such-folder', 'out.parquet')
    usageError(
      pme(['encrypt', input, '-o', missing, ...encryptArgs]),
      /the output folder .*no-such-folder does not exist: create it first/,
    )
  })

  it('an existing output is kept unless --force', async () => {
    const dir = tempDir()
    const input = await writePeople(join(dir, 'people.parquet'))
    const out = join(dir, 'people.enc.parquet')
    writeFileSync(out, 'precious')
    usageError(
      pme(['encrypt', input, '-o', out, ...encryptArgs]),
      /people\.enc\.parquet exists: pass --force to overwrite it/,
    )
    expect(readFileSync(out, 'utf8')).toBe('precious')
    const forced = pme(['encrypt', input, '-o', out, ...encryptArgs, '--force'])
    expect(forced.stderr).toMatch(/^pme encrypt: 1 file encrypted, [\d.]+ KiB written, in [\d.]+ s\n$/)
    expect(forced.code).toBe(0)
    expect(pme(['cat', out, '--key-list', keyList, '--limit', '1']).stdout).toBe(`${JSON.stringify(people[0])}\n`)
  })

  it('an overwritten output gets its Hadoop .crc sidecar rewritten, never left stale', async () => {
    const dir = tempDir()
    const input = await writePeople(join(dir, 'people.parquet'))
    const out = join(dir, 'part-0.parquet')
    writeFileSync(out, 'an older file')
    // A sidecar as Hadoop leaves it (its format is checked against Hadoop's own in the Spark suite).
    writeFileSync(join(dir, '.part-0.parquet.crc'), Buffer.from(await hadoopChecksumBytes(out, 512)))
    expect(pme(['encrypt', input, '-o', out, ...encryptArgs, '--force', '--quiet']).code).toBe(0)
    const sidecar = readFileSync(join(dir, '.part-0.parquet.crc'))
    expect(sidecar.subarray(0, 8)).toEqual(Buffer.from([0x63, 0x72, 0x63, 0, 0, 0, 2, 0]))
    expect(sidecar.length).toBe(8 + 4 * Math.ceil(statSync(out).size / 512))
    expect(sidecar).toEqual(Buffer.from(await hadoopChecksumBytes(out, 512)))
  })

  it('a key list in the environment does not reach a KMS that does not use it', async () => {
    const input = await writePeople(join(tempDir(), 'people.parquet'))
    const run = pme(['cat', input, '--kms', 'http', '--kms-instance-url', 'http://127.0.0.1:9', '--limit', '1'], {
      PME_KEY_LIST: keyList,
    })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
  })
})

describe('pme rotate <folder>', () => {
  it('rotates the key material files of a folder and skips hidden names; an empty folder is a usage error', async () => {
    const dir = tempDir()
    const inputs = await Promise.all(['a', 'b'].map((name) => writePeople(join(dir, `${name}.parquet`))))
    const table = join(dir, 'table')
    const encrypted = pme(['encrypt', ...inputs, '--out-dir', table, ...encryptArgs, '--external-key-material'])
    expect(encrypted.code).toBe(0)
    writeFileSync(join(table, '_SUCCESS'), '')
    const files = readdirSync(table).sort()
    expect(files).toEqual([
      '_KEY_MATERIAL_FOR_a.parquet.json',
      '_KEY_MATERIAL_FOR_b.parquet.json',
      '_SUCCESS',
      'a.parquet',
      'b.parquet',
    ])

    const rotated = pme(['rotate', table, '--key-list', keyList, '--new-key-list', newKeyList, '--json'])
    expect(rotated.stderr).toBe('')
    expect(JSON.parse(rotated.stdout)).toEqual({
      command: 'rotate',
      ok: 2,
      failed: 0,
      files: [
        { input: join(table, 'a.parquet'), ok: true },
        { input: join(table, 'b.parquet'), ok: true },
      ],
    })
    expect(pme(['cat', join(table, 'b.parquet'), '--key-list', newKeyList, '--limit', '1']).code).toBe(0)
    expect(pme(['cat', join(table, 'b.parquet'), '--key-list', keyList, '--limit', '1']).code).toBe(1)

    const empty = join(dir, 'empty')
    mkdirSync(empty)
    writeFileSync(join(empty, '_SUCCESS'), '')
    usageError(
      pme(['rotate', empty, '--key-list', keyList, '--new-key-list', newKeyList]),
      /no Parquet files in folder/,
    )
    expect(existsSync(join(empty, '_SUCCESS'))).toBe(true)
  })

  it('old and new key lists must be unambiguous', async () => {
    const run = pme([
      'rotate',
      tempDir(),
      '--key-list',
      keyList,
      '--previous-key-list',
      newKeyList,
      '--new-key-list',
      newKeyList,
    ])
    usageError(
      run,
      /the old master keys are the key list \(as in parquet-java\) or the previous key list: give one of them/,
    )
  })
})
