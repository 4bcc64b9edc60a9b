import { UsageError } from '../errors.js'
import type { KmsAdapterSettings } from './kms-adapter.js'
import type { RetryOptions } from './retry.js'

/**
 * A whole-number adapter setting (settings arrive as strings): `fallback` when unset or empty, else
 * the number, which must be an integer >= `min`; a UsageError names the adapter and the setting.
 */
export function integerSetting(
  settings: KmsAdapterSettings,
  name: string,
  rule: { readonly adapter: string; readonly fallback: number; readonly min: number },
): number {
  const raw = settings[name]
  if (raw === undefined || raw === '') return rule.fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < rule.min) {
    throw new UsageError(`${rule.adapter} setting ${name} must be an integer >= ${rule.min}, got "${raw}"`)
  }
  return value
}

/** withRetry's timing options, as adapter settings give them. */
export type RetryTiming = Required<Pick<RetryOptions, 'attempts' | 'baseDelayMs' | 'maxDelayMs'>>

/**
 * The retry settings an adapter takes: `retryAttempts` (default 4, the first attempt included),
 * `retryBaseDelayMs` (100) and `retryMaxDelayMs` (2000), ready to spread into withRetry's options.
 */
export function retrySettings(settings: KmsAdapterSettings, adapter: string): RetryTiming {
  return {
    attempts: integerSetting(settings, 'retryAttempts', { adapter, fallback: 4, min: 1 }),
    baseDelayMs: integerSetting(settings, 'retryBaseDelayMs', { adapter, fallback: 100, min: 0 }),
    maxDelayMs: integerSetting(settings, 'retryMaxDelayMs', { adapter, fallback: 2_000, min: 0 }),
  }
}
