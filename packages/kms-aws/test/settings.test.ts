import { kmsConnectionConfig, UsageError } from '@pme/core'
import { describe, expect, it } from 'vitest'
import { DEFAULT_MAX_ATTEMPTS, endpointFor, parseSettings } from '../src/index.js'

describe('settings', () => {
  it('has bounded defaults and no credentials (the SDK chain)', () => {
    const s = parseSettings({})
    expect(s.maxAttempts).toBe(DEFAULT_MAX_ATTEMPTS)
    expect(s.credentials).toBeUndefined()
    expect(s.encryptionContext).toEqual({})
  })

  it('reads the encryption context from JSON and from encryptionContext.<k> keys', () => {
    const s = parseSettings({ encryptionContext: '{"app":"pme","env":"dev"}', 'encryptionContext.env': 'prod' })
    expect(s.encryptionContext).toEqual({ app: 'pme', env: 'prod' })
    expect(() => parseSettings({ encryptionContext: '[1]' })).toThrow(UsageError)
    expect(() => parseSettings({ encryptionContext: '{"a":1}' })).toThrow(UsageError)
  })

  it('checks numbers and credential pairs', () => {
    expect(() => parseSettings({ maxAttempts: '0' })).toThrow(UsageError)
    expect(() => parseSettings({ requestTimeoutMs: 'soon' })).toThrow(UsageError)
    expect(() => parseSettings({ accessKeyId: 'AKIAEXAMPLE' })).toThrow(UsageError)
    expect(parseSettings({ accessKeyId: 'a', secretAccessKey: 'b', sessionToken: 'c' }).credentials).toEqual({
      accessKeyId: 'a',
      secretAccessKey: 'b',
      sessionToken: 'c',
    })
  })

  it('takes the endpoint from settings, else the instance URL unless DEFAULT', () => {
    const url = 'http://127.0.0.1:5000'
    expect(endpointFor(parseSettings({}), kmsConnectionConfig())).toBeUndefined()
    expect(endpointFor(parseSettings({}), kmsConnectionConfig({ kmsInstanceUrl: url }))).toBe(url)
    expect(endpointFor(parseSettings({ endpoint: 'http://h:1' }), kmsConnectionConfig({ kmsInstanceUrl: url }))).toBe(
      'http://h:1',
    )
    expect(() => endpointFor(parseSettings({}), kmsConnectionConfig({ kmsInstanceUrl: 'nope' }))).toThrow(UsageError)
  })
})

describe('grantTokens setting', () => {
  it('is a comma list, at most 10 tokens', () => {
    expect(parseSettings({}).grantTokens).toEqual([])
    expect(parseSettings({ grantTokens: 'AQpA, BQpB' }).grantTokens).toEqual(['AQpA', 'BQpB'])
    expect(() => parseSettings({ grantTokens: Array.from({ length: 11 }, (_, i) => `t${i}`).join(',') })).toThrow(
      UsageError,
    )
  })
})
