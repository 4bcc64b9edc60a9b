import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { b64, people, tempDir, writePeople } from './fixtures.js'
import { pme } from './run-pme.js'

/*
 * Every command as a process: --help, several inputs with --json, a failing file among good ones,
 * and the progress bar, which only a terminal gets.
 */

const keyList = `footer: ${b64('0123456789012345')}, pii: ${b64('1234567890123450')}`
const newKeyList = `footer: ${b64('fedcba9876543210')}, pii: ${b64('0a1b2c3d4e5f6a7b')}`
const encryptArgs = ['--footer-key', 'footer', '--column-keys', 'pii:ssn', '--key-list', keyList]
const COMMANDS = ['encrypt', 'decrypt', 'cat', 'inspect', 'rotate', 'kms serve', 'config show', 'config schema']

async function threeFiles(dir: string): Promise<string[]> {
  return Promise.all(['a', 'b', 'c'].map((name) => writePeople(join(dir, `${name}.parquet`))))
}

const readRows = (path: string, args: string[] = ['--key-list', keyList]) =>
  pme(['cat', path, ...args])
    .stdout.trim()
    .split('\n')
    .map((line) => JSON.parse(line))

describe('--help', () => {
  it.each(COMMANDS)('pme %s --help shows usage and examples, exit 0', (command) => {
    const { code, stdout } = pme([...command.split(' '), '--help'])
    expect(code).toBe(0)
    expect(stdout).toContain(`usage: pme ${command}`)
    expect(stdout).toMatch(/\nexamples:\n {2}pme /)
    const examples = stdout.split('examples:\n')[1] ?? ''
    for (const line of examples.trim().split('\n')) expect(line.trim()).toMatch(new RegExp(`^pme ${command}( |$)`))
  })

  it.each(COMMANDS)('pme %s --help puts no secret on the command line: tokens and keys come from files', (command) => {
    const examples = pme([...command.split(' '), '--help']).stdout.split('examples:\n')[1] ?? ''
    expect(examples).not.toMatch(/--(access-token|key-list|previous-key-list) /)
  })

  it('pme --help lists every command', () => {
    const { stdout } = pme(['--help'])
    for (const command of COMMANDS) expect(stdout).toContain(`  ${command} `)
  })
})

describe('--version', () => {
  it.each(['--version', '-v'])('pme %s prints the package version, exit 0', (flag) => {
    const manifest = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8'))
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+/)
    expect(pme([flag])).toEqual({ code: 0, stdout: `${manifest.version}\n`, stderr: '' })
  })
})

describe('several inputs', () => {
  it('encrypt, inspect, rotate and decrypt a batch with --json reports', async () => {
    const dir = tempDir()
    const inputs = await threeFiles(dir)
    const encrypted = pme(['encrypt', ...inputs, '--out-dir', join(dir, 'enc'), ...encryptArgs, '--json'])
    expect(encrypted.stderr).toBe('')
    expect(encrypted.code).toBe(0)
    const report = JSON.parse(encrypted.stdout)
    expect(report).toMatchObject({ command: 'encrypt', ok: 3, failed: 0 })
    expect(report.files.map((file: { output: string }) => file.output)).toEqual(
      ['a', 'b', 'c'].map((name) => join(dir, 'enc', `${name}.parquet`)),
    )
    const outputs = report.files.map((file: { output: string }) => file.output) as string[]

    const inspected = JSON.parse(pme(['inspect', ...outputs, '--json']).stdout)
    expect(inspected).toHaveLength(3)
    for (const file of inspected) expect(file.footerMasterKeyId).toBe('footer')

    const rotated = pme(['rotate', ...outputs, '--previous-key-list', keyList, '--key-list', newKeyList, '--json'])
    expect(rotated.code).toBe(0)
    expect(JSON.parse(rotated.stdout)).toMatchObject({ command: 'rotate', ok: 3, failed: 0 })
    expect(pme(['cat', outputs[0] as string, '--key-list', keyList]).code).toBe(1) // old keys no longer open it

    const decrypted = pme(['decrypt', ...outputs, '--out-dir', join(dir, 'plain'), '--key-list', newKeyList, '--json'])
    expect(decrypted.code).toBe(0)
    expect(JSON.parse(decrypted.stdout)).toMatchObject({ command: 'decrypt', ok: 3, failed: 0 })
    for (const name of ['a', 'b', 'c']) expect(readRows(join(dir, 'plain', `${name}.parquet`), [])).toEqual(people)
  })

  it('a bad file among good ones: the others are done, one line names it, exit 1, nothing half-written', async () => {
    const dir = tempDir()
    const [a, b] = await threeFiles(dir)
    const broken = join(dir, 'broken.parquet')
    writeFileSync(broken, 'PAR1 this is not a parquet file PAR1')
    const outDir = join(dir, 'enc')
    const { code, stdout, stderr } = pme([
      'encrypt',
      a as string,
      broken,
      b as string,
      '--out-dir',
      outDir,
      ...encryptArgs,
      '--json',
    ])
    expect(code).toBe(1)
    const report = JSON.parse(stdout)
    expect(report).toMatchObject({ ok: 2, failed: 1 })
    expect(report.files[1]).toMatchObject({ input: broken, ok: false, error: { code: 'PME_MALFORMED' } })
    const lines = stderr.trim().split('\n')
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatch(new RegExp(`^pme encrypt: ${broken}: MalformedFileError: `))
    expect(lines[1]).toBe('pme encrypt: 1 of 3 files failed (each is named above)')
    expect(readdirSync(outDir).sort()).toEqual(['a.parquet', 'b.parquet'])
    expect(readRows(join(outDir, 'b.parquet'))).toEqual(people)
  })

  it('a usage error stops the batch before any file is written', async () => {
    const dir = tempDir()
    const inputs = await threeFiles(dir)
    const { code, stderr } = pme([
      'encrypt',
      ...inputs,
      '--out-dir',
      join(dir, 'enc'),
      ...encryptArgs,
      '--data-key-bits',
      '100',
    ])
    expect(code).toBe(2)
    expect(stderr).toMatch(/--data-key-bits must be 128, 192 or 256/)
    expect(existsSync(join(dir, 'enc'))).toBe(false)
  })

  it('-o takes one input; two inputs of the same name are refused', async () => {
    const dir = tempDir()
    const inputs = await threeFiles(dir)
    expect(pme(['encrypt', ...inputs, '-o', join(dir, 'x.parquet'), ...encryptArgs]).stderr).toMatch(/use --out-dir/)
    const twin = await writePeople(join(tempDir(), 'a.parquet'))
    const { code, stderr } = pme(['decrypt', inputs[0] as string, twin, '--out-dir', join(dir, 'plain')])
    expect(code, stderr).toBe(2)
    expect(stderr).toMatch(/two inputs have the same file name/)
  })
})

describe('the progress bar', () => {
  const bin = fileURLToPath(new URL('../bin/pme.js', import.meta.url))
  // util-linux `script` runs the command on a pseudo-terminal, as a user's shell would.
  const hasScript = spawnSync('script', ['--version']).status === 0

  it.skipIf(!hasScript)('is drawn on a terminal and never in a pipe', async () => {
    const dir = tempDir()
    const inputs = await threeFiles(dir)
    const args = [bin, 'encrypt', ...inputs, '--out-dir', join(dir, 'tty'), ...encryptArgs]
    const command = [process.execPath, ...args].map((arg) => `'${arg}'`).join(' ')
    const onTty = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8' })
    expect(onTty.status).toBe(0)
    expect(onTty.stdout).toContain(`[${'#'.repeat(24)}] 3/3 ${inputs[2]}`)
    const piped = pme(['encrypt', ...inputs, '--out-dir', join(dir, 'pipe'), ...encryptArgs])
    expect(piped.code).toBe(0)
    // No bar in a pipe: only the summary line, on stderr.
    expect(piped.stdout).toBe('')
    expect(piped.stderr).toMatch(/^pme encrypt: 3 files encrypted, [\d.]+ KiB written, in [\d.]+ s\n$/)
    const quiet = pme(['encrypt', ...inputs, '--out-dir', join(dir, 'pipe'), ...encryptArgs, '--force', '--quiet'])
    expect(quiet.code).toBe(0)
    expect(quiet.stdout + quiet.stderr).toBe('')
  })
})
