import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { describe, expect, it } from 'vitest'
import { b64, people, tempDir, writePeople } from './fixtures.js'
import { pme } from './run-pme.js'

/*
 * Configuration: pme.config.json < PME_* variables < flags, camelCase and Hadoop names, validation.
 * Every check runs the built `pme` as a process, as users do.
 */

const keyList = `footer: ${b64('0123456789012345')}, pii: ${b64('1234567890123450')}`

function configFile(body: unknown): string {
  const path = join(tempDir(), 'pme.config.json')
  writeFileSync(path, JSON.stringify(body))
  return path
}

/** `pme config show --json`, checked to succeed. */
function show(args: string[], env: Record<string, string> = {}) {
  const { code, stdout, stderr } = pme(['config', 'show', '--json', ...args], env)
  expect(stderr).toBe('')
  expect(code).toBe(0)
  return JSON.parse(stdout) as { settings: Record<string, { value: unknown; source: string; origin: string }> }
}

describe('precedence', () => {
  const file = () =>
    configFile({ kms: { type: 'local', keyList }, encryption: { footerKey: 'from-file', algorithm: 'AES_GCM_V1' } })

  it('a flag beats a variable, which beats the file', () => {
    const config = file()
    const env = { PME_FOOTER_KEY: 'from-env', PME_ALGORITHM: 'AES_GCM_CTR_V1' }
    const fromFlag = show(['--config', config, '--footer-key', 'from-flag'], env).settings
    expect(fromFlag['encryption.footerKey']).toEqual({ value: 'from-flag', source: 'flag', origin: '--footer-key' })
    expect(fromFlag['encryption.algorithm']).toMatchObject({ value: 'AES_GCM_CTR_V1', source: 'env' })
    const fromEnv = show(['--config', config], env).settings
    expect(fromEnv['encryption.footerKey']).toEqual({ value: 'from-env', source: 'env', origin: 'PME_FOOTER_KEY' })
    const fromFile = show(['--config', config]).settings
    expect(fromFile['encryption.footerKey']).toEqual({
      value: 'from-file',
      source: 'file',
      origin: `${config}: encryption.footerKey`,
    })
  })

  it('PME_CONFIG names the file when --config is absent; --config wins over it', () => {
    const first = file()
    const second = configFile({ encryption: { footerKey: 'second' } })
    expect(show([], { PME_CONFIG: first }).settings['encryption.footerKey']?.value).toBe('from-file')
    expect(show(['--config', second], { PME_CONFIG: first }).settings['encryption.footerKey']?.value).toBe('second')
  })

  it('an empty variable does not override the file', () => {
    expect(show(['--config', file()], { PME_FOOTER_KEY: '' }).settings['encryption.footerKey']?.source).toBe('file')
  })

  it('secrets show as set, never their value', () => {
    const { code, stdout } = pme(['config', 'show', '--config', file(), '--access-token', 's3cr3t-token'])
    expect(code).toBe(0)
    expect(stdout).toContain('kms.keyList')
    expect(stdout).toContain('kms.accessToken')
    expect(stdout).not.toContain('s3cr3t-token')
    expect(stdout).not.toContain(b64('0123456789012345'))
  })

  it('the settings in effect are the ones used: a file-only configuration encrypts, a flag overrides it', async () => {
    const dir = tempDir()
    const input = await writePeople(join(dir, 'people.parquet'))
    const config = configFile({ kms: { keyList }, encryption: { footerKey: 'footer', columnKeys: { pii: ['ssn'] } } })
    const out = join(dir, 'people.enc.parquet')
    const encrypted = pme(['encrypt', input, '-o', out, '--config', config, '--algorithm', 'AES_GCM_CTR_V1'])
    expect(encrypted.stderr).toMatch(/^pme encrypt: 1 file encrypted, /)
    expect(encrypted.code).toBe(0)
    const report = JSON.parse(pme(['inspect', out, '--json', '--config', config]).stdout)
    expect(report.algorithm).toBe('AES_GCM_CTR_V1')
    expect(report.columns.find((column: { path: string }) => column.path === 'ssn').masterKeyId).toBe('pii')
    const rows = pme(['cat', out, '--config', config])
      .stdout.trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(rows).toEqual(people)
  })
})

describe('Hadoop property names', () => {
  it('are read at the top level and in the sections, as a Spark user writes them', () => {
    const config = configFile({
      'parquet.encryption.footer.key': 'footer',
      'parquet.encryption.column.keys': 'pii:ssn',
      'parquet.encryption.plaintext.footer': 'true',
      kms: { 'parquet.encryption.kms.instance.url': 'http://127.0.0.1:1' },
    })
    const { settings } = show(['--config', config])
    expect(settings['encryption.footerKey']).toMatchObject({
      value: 'footer',
      origin: `${config}: parquet.encryption.footer.key`,
    })
    expect(settings['encryption.columnKeys']?.value).toBe('pii:ssn')
    expect(settings['encryption.plaintextFooter']?.value).toBe(true)
    expect(settings['kms.instanceUrl']?.value).toBe('http://127.0.0.1:1')
  })

  it("the Java classes of a Spark configuration: the key tools' factories, and KMS clients as backends", () => {
    const config = configFile({
      'parquet.crypto.factory.class': 'org.apache.parquet.crypto.keytools.PropertiesDrivenCryptoFactory',
      'parquet.encryption.kms.client.class': 'org.apache.parquet.crypto.keytools.samples.VaultClient',
      'parquet.encryption.new.key.list': keyList,
    })
    const { settings } = show(['--config', config])
    expect(settings['kms.type']).toMatchObject({
      value: 'vault',
      origin: `${config}: parquet.encryption.kms.client.class`,
    })
    expect(settings['kms.newKeyList']?.value).toBe('(set, hidden)')
    const ibm = configFile({ 'parquet.crypto.factory.class': 'com.ibm.parquet.key.management.IBMKeyToolsFactory' })
    expect(show(['--config', ibm]).settings['kms.type']).toBeUndefined()
    const inMemory = configFile({
      kms: { 'parquet.encryption.kms.client.class': 'org.apache.parquet.crypto.keytools.mocks.InMemoryKMS' },
    })
    expect(show(['--config', inMemory]).settings['kms.type']?.value).toBe('local')
  })

  it('uniform.key encrypts every column with one master key', async () => {
    const dir = tempDir()
    const input = await writePeople(join(dir, 'people.parquet'))
    const config = configFile({ 'parquet.encryption.uniform.key': 'footer', 'parquet.encryption.key.list': keyList })
    const out = join(dir, 'out.parquet')
    expect(pme(['encrypt', input, '-o', out, '--config', config]).code).toBe(0)
    const report = JSON.parse(pme(['inspect', out, '--json', '--config', config]).stdout)
    expect(report.columns.map((column: { masterKeyId: string }) => column.masterKeyId)).toEqual([
      'footer',
      'footer',
      'footer',
    ])
  })
})

describe('validation: exit 2 and one line that says what to do', () => {
  const fails = (args: string[], message: RegExp, env: Record<string, string> = {}) => {
    const { code, stderr } = pme(args, env)
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toMatch(message)
    expect(code).toBe(2)
  }

  it('an unknown option in the file, with the known ones', () => {
    const config = configFile({ encryption: { footerKey: 'f', columKeys: 'pii:ssn' } })
    fails(
      ['config', 'show', '--config', config],
      /unknown option encryption\.columKeys \(known: footerKey, .*columnKeys/,
    )
  })

  it('an unknown Hadoop property, and a Java class pme has nothing for', () => {
    fails(
      ['config', 'show', '--config', configFile({ 'parquet.encryption.footer.keys': 'f' })],
      /unknown property parquet\.encryption\.footer\.keys/,
    )
    fails(
      ['config', 'show', '--config', configFile({ 'parquet.encryption.kms.client.class': 'x.Y' })],
      /parquet\.encryption\.kms\.client\.class "x\.Y" has no pme backend; set kms\.type instead/,
    )
    fails(
      ['config', 'show', '--config', configFile({ 'parquet.crypto.factory.class': 'com.example.MyFactory' })],
      /parquet\.crypto\.factory\.class "com\.example\.MyFactory" is not a key tools factory/,
    )
  })

  it('the same option twice in the file', () => {
    const config = configFile({ 'parquet.encryption.footer.key': 'a', encryption: { footerKey: 'b' } })
    fails(
      ['config', 'show', '--config', config],
      /encryption\.footerKey and parquet\.encryption\.footer\.key set the same option/,
    )
  })

  it('values of the wrong type, from the file, a variable or a flag', () => {
    fails(
      ['config', 'show', '--config', configFile({ encryption: { plaintextFooter: 'yes' } })],
      /plaintextFooter must be true or false/,
    )
    fails(['config', 'show'], /PME_DATA_KEY_BITS must be 128, 192 or 256/, { PME_DATA_KEY_BITS: '100' })
    fails(['config', 'show', '--algorithm', 'AES_CBC'], /--algorithm must be AES_GCM_V1 or AES_GCM_CTR_V1/)
  })

  it('a missing footer key, naming every way to set it', async () => {
    const input = await writePeople(join(tempDir(), 'people.parquet'))
    fails(
      ['encrypt', input, '-o', `${input}.out`, '--uniform', '--key-list', keyList],
      /no footer key: set --footer-key, PME_FOOTER_KEY or encryption\.footerKey in pme\.config\.json/,
    )
  })

  it('an unknown column in the column keys, naming the columns there are', async () => {
    const dir = tempDir()
    const input = await writePeople(join(dir, 'people.parquet'))
    const args = ['encrypt', input, '-o', join(dir, 'out.parquet'), '--footer-key', 'footer', '--key-list', keyList]
    fails(
      [...args, '--column-keys', 'pii:social'],
      /column "social" in the column keys is not in the schema \(id, name, ssn\)/,
    )
  })

  it('a master key of a bad length, named by id without its bytes', async () => {
    const dir = tempDir()
    const input = await writePeople(join(dir, 'people.parquet'))
    const shortKey = b64('0123456789')
    const { code, stderr } = pme([
      'encrypt',
      input,
      '-o',
      join(dir, 'out.parquet'),
      '--footer-key',
      'footer',
      '--uniform',
      '--key-list',
      `footer: ${shortKey}`,
    ])
    expect(code).not.toBe(0)
    expect(stderr).toMatch(/16, 24 or 32 bytes, got 10/)
    expect(stderr).not.toContain(shortKey)
  })

  it('a KMS type whose adapter is not installed says which package to install', () => {
    fails(['cat', 'x.parquet', '--kms', 'nonexistent', '--key-list', keyList], /install @pme\/kms-nonexistent/)
  })
})

describe('the JSON Schema of pme.config.json', () => {
  const schemaPath = new URL('../pme.config.schema.json', import.meta.url)
  const committed = JSON.parse(readFileSync(schemaPath, 'utf8'))

  it('is the one `pme config schema` prints (regenerate with: pme config schema > packages/cli/pme.config.schema.json)', () => {
    expect(JSON.parse(pme(['config', 'schema']).stdout)).toEqual(committed)
  })

  it('accepts the configurations pme accepts and rejects those it refuses', () => {
    const validate = new Ajv2020({ strict: true, allowUnionTypes: true }).compile(committed)
    const good = [
      {
        kms: { type: 'vault', instanceUrl: 'https://vault:8200', settings: { namespace: 'team-a', retryAttempts: 3 } },
        encryption: { footerKey: 'f', columnKeys: { pii: ['ssn'] } },
      },
      {
        'parquet.encryption.footer.key': 'f',
        'parquet.encryption.column.keys': 'pii:ssn',
        'parquet.encryption.double.wrapping': 'false',
      },
      { encryption: { uniformKey: 'f', dataKeyBits: 256, algorithm: 'AES_GCM_CTR_V1' } },
    ]
    for (const config of good) {
      expect(validate(config), JSON.stringify(validate.errors)).toBe(true)
      expect(pme(['config', 'show', '--config', configFile(config)]).code).toBe(0)
    }
    const bad = [
      { encryption: { columKeys: 'x' } },
      { encryption: { dataKeyBits: 100 } },
      { encryption: { algorithm: 'AES_CBC' } },
      { 'parquet.encryption.footer.keys': 'f' },
      { kms: { settings: { nested: { no: 1 } } } },
      // The README's example used to set a mount that Vault takes from instanceId: silently ignored then.
      { kms: { type: 'vault', instanceUrl: 'https://vault:8200', settings: { mount: 'transit' } } },
      { kms: { type: 'aws', settings: { regoin: 'eu-west-1' } } },
      { kms: { settings: { keyLst: 'k: AAAA' } } },
    ]
    for (const config of bad) {
      expect(validate(config), JSON.stringify(config)).toBe(false)
      expect(pme(['config', 'show', '--config', configFile(config)]).code, JSON.stringify(config)).toBe(2)
    }
  })
})
