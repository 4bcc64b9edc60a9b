import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { b64, people, tempDir, writePeople } from './fixtures.js'
import { pme } from './run-pme.js'

/*
 * Secrets: never printed (config show, errors), and taken from files (--x-file, PME_X_FILE,
 * "$file:/path" and "$env:NAME" in pme.config.json). Runs the built `pme`, as users do.
 */

const MASTER_KEY = b64('0123456789012345')
const KEY_LIST = `footer: ${MASTER_KEY}`
const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
const TOKEN = 'tok-4f1d9c0b7e2a'

function write(name: string, text: string): string {
  const path = join(tempDir(), name)
  writeFileSync(path, text)
  return path
}

const configFile = (body: unknown) => write('pme.config.json', JSON.stringify(body))

/** Every secret of these tests: none may appear in any output. */
function expectNoSecret(...outputs: string[]) {
  for (const output of outputs) {
    for (const secret of [MASTER_KEY, AWS_SECRET, TOKEN, 'EXAMPLEKEY', 's3cr3t-id'])
      expect(output).not.toContain(secret)
  }
}

describe('config show', () => {
  it('masks adapter secrets, as it masks the core ones', () => {
    const config = configFile({
      kms: {
        type: 'aws',
        accessToken: TOKEN,
        settings: { region: 'eu-west-1', accessKeyId: 'AKIAEXAMPLE', secretAccessKey: AWS_SECRET },
      },
    })
    for (const json of [[], ['--json']]) {
      const { code, stdout, stderr } = pme(['config', 'show', '--config', config, ...json])
      expect(code, stderr).toBe(0)
      expect(stdout).toContain('eu-west-1')
      expect(stdout).toContain('AKIAEXAMPLE')
      expect(stdout).toMatch(/secretAccessKey.*\(set, hidden\)/)
      expectNoSecret(stdout, stderr)
    }
    const vault = configFile({
      kms: { type: 'vault', settings: { authMethod: 'approle', roleId: 'r-1', secretId: 's3cr3t-id' } },
    })
    const { stdout } = pme(['config', 'show', '--config', vault, '--json'])
    expect(JSON.parse(stdout).kmsSettings).toEqual({ authMethod: 'approle', roleId: 'r-1', secretId: '(set, hidden)' })
  })

  it('refuses unknown adapter settings with the nearest known name, quoting no value', () => {
    const cases: [unknown, RegExp][] = [
      [{ type: 'aws', settings: { regoin: AWS_SECRET } }, /unknown aws KMS setting regoin \(did you mean region\?\)/],
      [{ type: 'aws', settings: { accessKeyID: AWS_SECRET } }, /\(did you mean accessKeyId\?\)/],
      [{ type: 'vault', settings: { authmethod: 'approle' } }, /\(did you mean authMethod\?\)/],
      [{ type: 'vault', settings: { mount: 'transit' } }, /unknown vault setting mount/],
      [
        { type: 'vault', settings: { requestTimeoutMs: AWS_SECRET } },
        /vault setting requestTimeoutMs must be an integer/,
      ],
    ]
    for (const [kms, message] of cases) {
      const { code, stdout, stderr } = pme(['config', 'show', '--config', configFile({ kms })])
      expect(stderr).toMatch(message)
      expect(code).toBe(2)
      expectNoSecret(stdout, stderr)
    }
  })
})

describe('configuration errors quote no contents', () => {
  it('a config file that is not JSON: where, never what', () => {
    for (const text of [
      `kf: ${MASTER_KEY}`,
      `{"kms": {"keyList": "${KEY_LIST}" "x": 1}}`,
      `{"kms": {"accessToken": "${TOKEN}`,
    ]) {
      const { code, stderr } = pme(['config', 'show', '--config', write('pme.config.json', text)])
      expect(stderr).toMatch(/is not valid JSON/)
      expect(code).toBe(2)
      expectNoSecret(stderr)
    }
  })

  it('a secret in the wrong place or of the wrong type', () => {
    const configs = [
      { encryption: { plaintextFooter: TOKEN } },
      { encryption: { algorithm: MASTER_KEY } },
      { kms: { cacheLifetimeSeconds: MASTER_KEY } },
      { kms: { accessToken: 42, keyList: KEY_LIST }, encryption: { dataKeyBits: TOKEN } },
      { kms: { keyList: { [MASTER_KEY]: TOKEN } } },
    ]
    for (const body of configs) {
      const { code, stderr } = pme(['config', 'show', '--config', configFile(body)])
      expect(code, stderr).toBe(2)
      expectNoSecret(stderr)
    }
    const fromEnv = pme(['config', 'show'], { PME_UNIFORM: TOKEN, PME_DATA_KEY_BITS: MASTER_KEY })
    expect(fromEnv.code).toBe(2)
    expectNoSecret(fromEnv.stderr)
  })
})

describe('secrets from files', () => {
  it('--access-token-file and PME_ACCESS_TOKEN_FILE read the token; the value flag and the file flag exclude each other', () => {
    const tokenFile = write('token', `${TOKEN}\n`)
    const show = (args: string[], env: Record<string, string> = {}) => {
      const { code, stdout, stderr } = pme(['config', 'show', '--json', ...args], env)
      expect(code, stderr).toBe(0)
      expectNoSecret(stdout)
      return JSON.parse(stdout).settings['kms.accessToken']
    }
    expect(show(['--access-token-file', tokenFile])).toMatchObject({ source: 'flag', origin: '--access-token-file' })
    expect(show([], { PME_ACCESS_TOKEN_FILE: tokenFile })).toMatchObject({ origin: 'PME_ACCESS_TOKEN_FILE' })
    const both = pme(['config', 'show', '--access-token', 'x', '--access-token-file', tokenFile])
    expect(both.stderr).toMatch(/--access-token and --access-token-file exclude each other/)
    expect(both.code).toBe(2)
    const missing = pme(['config', 'show'], { PME_KEY_LIST_FILE: join(tempDir(), 'none') })
    expect(missing.stderr).toMatch(/PME_KEY_LIST_FILE: cannot read the file .*none \(ENOENT\)/)
    expect(missing.code).toBe(2)
  })

  it('PME_KEY_LIST_FILE and "$file:" / "$env:" in pme.config.json are the keys used to encrypt and read', async () => {
    const dir = tempDir()
    const keys = write('keys.txt', `${KEY_LIST}, pii: ${b64('1234567890123450')}\n`)
    const input = await writePeople(join(dir, 'people.parquet'))
    const out = join(dir, 'people.enc.parquet')
    const encrypted = pme(['encrypt', input, '-o', out, '--footer-key', 'footer', '--column-keys', 'pii:ssn'], {
      PME_KEY_LIST_FILE: keys,
    })
    expect(encrypted.code, encrypted.stderr).toBe(0)
    const fromFile = configFile({ kms: { keyList: `$file:${keys}` } })
    const fromEnv = configFile({ kms: { keyList: '$env:PME_TEST_KEYS' } })
    const runs: [string[], Record<string, string>][] = [
      [['--config', fromFile], {}],
      [['--config', fromEnv], { PME_TEST_KEYS: readFileSync(keys, 'utf8').trim() }],
      [['--key-list-file', keys], {}],
    ]
    for (const [args, env] of runs) {
      const { code, stdout, stderr } = pme(['cat', out, ...args], env)
      expect(code, stderr).toBe(0)
      expect(
        stdout
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line)),
      ).toEqual(people)
    }
    const wrong = pme(['cat', out], { PME_KEY_LIST_FILE: write('other.txt', `footer: ${b64('5555555555555555')}`) })
    expect(wrong.code).not.toBe(0)
    expectNoSecret(wrong.stderr)
  })
})
