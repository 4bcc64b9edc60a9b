import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  AdapterSettingsDefinition,
  REQUEST_TIMEOUT_SETTING,
  RETRY_SETTINGS,
  resolveSecretReference,
  retrySettings,
  TLS_SETTINGS,
  tlsClientOptions,
  UsageError,
} from '../src/index.js'

const SETTINGS = new AdapterSettingsDefinition('demo KMS', {
  region: { type: 'string', description: 'region' },
  mode: { type: 'string', enum: ['a', 'b'], default: 'a', description: 'mode' },
  apiKey: { type: 'string', secret: true, description: 'key' },
  verbose: { type: 'boolean', description: 'more' },
  'context.*': { type: 'string', description: 'context entries' },
  ...REQUEST_TIMEOUT_SETTING,
  ...RETRY_SETTINGS,
})

const refusal = (settings: Record<string, string>) => {
  try {
    SETTINGS.check(settings)
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError)
    return (error as Error).message
  }
  throw new Error('expected a refusal')
}

describe('AdapterSettingsDefinition', () => {
  it('refuses unknown names with the nearest known one', () => {
    expect(refusal({ regoin: 'eu' })).toMatch(
      /^unknown demo KMS setting regoin \(did you mean region\?\); known: region/,
    )
    expect(refusal({ apikey: 'x' })).toContain('(did you mean apiKey?)')
    expect(refusal({ RequestTimeoutMS: '5' })).toContain('(did you mean requestTimeoutMs?)')
    expect(refusal({ totallyDifferent: 'x' })).not.toContain('did you mean')
    expect(refusal({ 'context.': 'x' })).toContain('unknown demo KMS setting context.')
    expect(() => SETTINGS.check({ 'context.tenant': 'x', region: 'eu' })).not.toThrow()
  })

  it.each([
    [{ requestTimeoutMs: '0' }, 'demo KMS setting requestTimeoutMs must be an integer >= 1'],
    [{ retryAttempts: '1.5' }, 'demo KMS setting retryAttempts must be an integer >= 1'],
    [{ retryBaseDelayMs: 'soon' }, 'demo KMS setting retryBaseDelayMs must be an integer >= 0'],
    [{ verbose: 'yes' }, 'demo KMS setting verbose must be "true" or "false"'],
    [{ mode: 'c' }, 'demo KMS setting mode must be one of a, b'],
  ])('refuses %j without quoting the value', (settings, message) => {
    const text = refusal(settings)
    expect(text).toBe(message)
    for (const value of Object.values(settings)) expect(text).not.toContain(`"${value}"`)
  })

  it('reads values with their defaults', () => {
    expect(SETTINGS.integer({}, 'requestTimeoutMs')).toBe(10_000)
    expect(SETTINGS.integer({ requestTimeoutMs: '' }, 'requestTimeoutMs')).toBe(10_000)
    expect(SETTINGS.integer({ requestTimeoutMs: '7' }, 'requestTimeoutMs')).toBe(7)
    expect(SETTINGS.string({}, 'mode')).toBe('a')
    expect(SETTINGS.string({}, 'region')).toBeUndefined()
    expect(SETTINGS.boolean({}, 'verbose')).toBe(false)
    expect(SETTINGS.boolean({ verbose: 'true' }, 'verbose')).toBe(true)
    expect(retrySettings(SETTINGS, { retryAttempts: '2' })).toEqual({ attempts: 2, baseDelayMs: 100, maxDelayMs: 2000 })
  })

  it('masks secret settings, and names it does not know (fail closed)', () => {
    expect(SETTINGS.masked({ region: 'eu', apiKey: 'k-123', strange: 'x' }, '***')).toEqual({
      region: 'eu',
      apiKey: '***',
      strange: '***',
    })
  })

  it('gives a JSON Schema of the settings, secrets and defaults marked', () => {
    const schema = SETTINGS.jsonSchema() as {
      additionalProperties: boolean
      properties: Record<string, { description: string; default?: unknown }>
      patternProperties: Record<string, object>
    }
    expect(schema.additionalProperties).toBe(false)
    expect(Object.keys(schema.properties)).toContain('retryMaxDelayMs')
    expect(schema.properties.apiKey?.description).toMatch(/secret: "\$file:\/path" or "\$env:NAME"/)
    expect(schema.properties.requestTimeoutMs?.default).toBe(10_000)
    expect(Object.keys(schema.patternProperties)).toEqual(['^context\\..+$'])
  })
})

describe('resolveSecretReference', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pme-secret-'))

  it('reads "$file:/path" (trimmed) and "$env:NAME", and keeps other values as they are', () => {
    const path = join(dir, 'token')
    writeFileSync(path, 'tok-from-file\n')
    expect(resolveSecretReference(`$file:${path}`, 'x')).toBe('tok-from-file')
    expect(resolveSecretReference('$env:PME_T', 'x', { PME_T: 'tok-env' })).toBe('tok-env')
    expect(resolveSecretReference('plain', 'x', {})).toBe('plain')
  })

  it('refuses a missing or empty file and an unset variable, naming where, never contents', () => {
    const empty = join(dir, 'empty')
    writeFileSync(empty, ' \n')
    expect(() => resolveSecretReference(`$file:${join(dir, 'nope')}`, 'kms.accessToken')).toThrow(
      /^kms.accessToken: cannot read the file .*nope \(ENOENT\)$/,
    )
    expect(() => resolveSecretReference(`$file:${empty}`, 'kms.accessToken')).toThrow('is empty')
    expect(() => resolveSecretReference('$env:PME_UNSET_X', 'server.masterKeys', {})).toThrow(
      'server.masterKeys is read from the environment variable PME_UNSET_X, which is not set',
    )
  })
})

describe('tlsClientOptions', () => {
  const definition = new AdapterSettingsDefinition('demo KMS', TLS_SETTINGS)
  const dir = mkdtempSync(join(tmpdir(), 'pme-tls-'))

  it('reads the files once, and refuses a certificate without its key', () => {
    const ca = join(dir, 'ca.pem')
    writeFileSync(ca, 'CA PEM')
    expect(tlsClientOptions(definition, {})).toBeUndefined()
    expect(tlsClientOptions(definition, { caFile: ca, serverName: 'kms.test' })).toEqual({
      ca: Buffer.from('CA PEM'),
      servername: 'kms.test',
    })
    expect(() => tlsClientOptions(definition, { clientCertFile: ca })).toThrow('go together')
    expect(() => tlsClientOptions(definition, { caFile: join(dir, 'none') })).toThrow(
      /demo KMS setting caFile: cannot read .* \(ENOENT\)/,
    )
  })
})
