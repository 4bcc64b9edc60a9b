import { describe, expect, it } from 'vitest'
import { integerSetting, retrySettings, UsageError } from '../src/index.js'

describe('integerSetting', () => {
  const rule = { adapter: 'http KMS', fallback: 4, min: 1 }

  it('gives the fallback when unset or empty, and the number otherwise', () => {
    expect(integerSetting({}, 'retryAttempts', rule)).toBe(4)
    expect(integerSetting({ retryAttempts: '' }, 'retryAttempts', rule)).toBe(4)
    expect(integerSetting({ retryAttempts: '7' }, 'retryAttempts', rule)).toBe(7)
  })

  it.each(['0', '1.5', 'soon', '-3'])('refuses %j, naming the adapter and the setting', (raw) => {
    expect(() => integerSetting({ retryAttempts: raw }, 'retryAttempts', rule)).toThrow(UsageError)
    expect(() => integerSetting({ retryAttempts: raw }, 'retryAttempts', rule)).toThrow(
      `http KMS setting retryAttempts must be an integer >= 1, got "${raw}"`,
    )
  })
})

describe('retrySettings', () => {
  it('reads retryAttempts, retryBaseDelayMs and retryMaxDelayMs as withRetry options, with its defaults', () => {
    expect(retrySettings({}, 'x')).toEqual({ attempts: 4, baseDelayMs: 100, maxDelayMs: 2000 })
    expect(retrySettings({ retryAttempts: '2', retryBaseDelayMs: '0', retryMaxDelayMs: '5' }, 'x')).toEqual({
      attempts: 2,
      baseDelayMs: 0,
      maxDelayMs: 5,
    })
    expect(() => retrySettings({ retryAttempts: '0' }, 'vault')).toThrow(
      'vault setting retryAttempts must be an integer >= 1',
    )
  })
})
