import { UsageError } from '../errors.js'
import type { KmsAdapterSettings } from './kms-adapter.js'
import type { RetryOptions } from './retry.js'

/** One setting an adapter takes (`kms.settings` of pme.config.json: every value arrives as a string). */
export interface AdapterSettingSpec {
  readonly type: 'string' | 'integer' | 'boolean'
  readonly description: string
  readonly default?: string | number | boolean
  /** Never shown (`pme config show` masks it); write it as "$file:/path" or "$env:NAME" in the config file. */
  readonly secret?: boolean
  /** integer: the smallest value allowed. */
  readonly min?: number
  /** string: the only values allowed. */
  readonly enum?: readonly string[]
}

/**
 * An adapter's settings by name: adding a setting is adding one entry. A name ending in `.*` stands
 * for every name with that prefix (AWS's `encryptionContext.<key>`).
 */
export type AdapterSettingsSchema = Readonly<Record<string, AdapterSettingSpec>>

/** Unknown names are refused, with the nearest known one when a misspelling is likely. */
function didYouMean(name: string, known: readonly string[]): string {
  let best: { name: string; distance: number } | undefined
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase())
    if (!best || distance < best.distance) best = { name: candidate, distance }
  }
  return best && best.distance <= Math.max(2, Math.floor(name.length / 3)) ? ` (did you mean ${best.name}?)` : ''
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost)
    }
    previous = current
  }
  return previous[b.length] ?? 0
}

/**
 * The settings an adapter declares, and the one place they are checked and read: names, types,
 * defaults, secrets. Error messages name the adapter and the setting, never the value (it may be a
 * secret, or a secret put in the wrong place).
 */
export class AdapterSettingsDefinition {
  readonly adapter: string
  readonly schema: AdapterSettingsSchema

  constructor(adapter: string, schema: AdapterSettingsSchema) {
    this.adapter = adapter
    this.schema = schema
  }

  #spec(name: string): AdapterSettingSpec | undefined {
    if (Object.hasOwn(this.schema, name)) return this.schema[name]
    const prefix = Object.keys(this.schema).find(
      (key) => key.endsWith('.*') && name.startsWith(key.slice(0, -1)) && name.length > key.length - 1,
    )
    return prefix === undefined ? undefined : this.schema[prefix]
  }

  /** True for the settings to mask; an unknown name counts as secret (fail closed). */
  isSecret(name: string): boolean {
    const spec = this.#spec(name)
    return spec === undefined || spec.secret === true
  }

  /** Refuses unknown names and values of the wrong type; call it before reading any setting. */
  check(settings: KmsAdapterSettings): void {
    const known = Object.keys(this.schema)
    for (const [name, value] of Object.entries(settings)) {
      const spec = this.#spec(name)
      if (!spec) {
        throw new UsageError(
          `unknown ${this.adapter} setting ${name}${didYouMean(name, known)}; known: ${known.join(', ')}`,
        )
      }
      if (value !== '') this.#parse(name, spec, value)
    }
  }

  #parse(name: string, spec: AdapterSettingSpec, raw: string): string | number | boolean {
    const where = `${this.adapter} setting ${name}`
    switch (spec.type) {
      case 'integer': {
        const value = Number(raw)
        const min = spec.min ?? 0
        if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min) {
          throw new UsageError(`${where} must be an integer >= ${min}`)
        }
        return value
      }
      case 'boolean':
        if (raw !== 'true' && raw !== 'false') throw new UsageError(`${where} must be "true" or "false"`)
        return raw === 'true'
      default:
        if (spec.enum && !spec.enum.includes(raw))
          throw new UsageError(`${where} must be one of ${spec.enum.join(', ')}`)
        return raw
    }
  }

  #value(settings: KmsAdapterSettings, name: string, type: AdapterSettingSpec['type']) {
    const spec = this.#spec(name)
    if (!spec || spec.type !== type) throw new Error(`${this.adapter} declares no ${type} setting ${name}`)
    const raw = settings[name]
    return raw === undefined || raw === '' ? spec.default : this.#parse(name, spec, raw)
  }

  /** A string setting, or its default, or undefined. */
  string(settings: KmsAdapterSettings, name: string): string | undefined {
    return this.#value(settings, name, 'string') as string | undefined
  }

  /** An integer setting; it must have a default. */
  integer(settings: KmsAdapterSettings, name: string): number {
    return this.#value(settings, name, 'integer') as number
  }

  /** A boolean setting; false when unset without a default. */
  boolean(settings: KmsAdapterSettings, name: string): boolean {
    return (this.#value(settings, name, 'boolean') as boolean | undefined) ?? false
  }

  /** The settings with every secret one replaced by `mask` (for `pme config show`). */
  masked(settings: KmsAdapterSettings, mask: string): Record<string, string> {
    return Object.fromEntries(
      Object.entries(settings).map(([name, value]) => [name, this.isSecret(name) ? mask : value]),
    )
  }

  /** The JSON Schema of `kms.settings` for this adapter (numbers and booleans may also be written as such). */
  jsonSchema(): object {
    const properties: Record<string, object> = {}
    const patternProperties: Record<string, object> = {}
    for (const [name, spec] of Object.entries(this.schema)) {
      const description = spec.secret ? `${spec.description} (secret: "$file:/path" or "$env:NAME")` : spec.description
      const type =
        spec.type === 'integer'
          ? {
              anyOf: [
                { type: 'integer', minimum: spec.min ?? 0 },
                { type: 'string', pattern: '^-?[0-9]+$' },
              ],
            }
          : spec.type === 'boolean'
            ? { anyOf: [{ type: 'boolean' }, { enum: ['true', 'false'] }] }
            : spec.enum
              ? { enum: [...spec.enum] }
              : { type: 'string' }
      const schema = { ...type, description, ...(spec.default === undefined ? {} : { default: spec.default }) }
      if (name.endsWith('.*')) patternProperties[`^${name.slice(0, -2).replace(/[.]/g, '\\.')}\\..+$`] = schema
      else properties[name] = schema
    }
    return { type: 'object', additionalProperties: false, properties, patternProperties }
  }
}

/** The retry settings adapters share; spread them into a schema, read them with retrySettings. */
export const RETRY_SETTINGS: AdapterSettingsSchema = {
  retryAttempts: { type: 'integer', min: 1, default: 4, description: 'attempts in all, the first included' },
  retryBaseDelayMs: { type: 'integer', min: 0, default: 100, description: 'first retry delay before jitter, in ms' },
  retryMaxDelayMs: { type: 'integer', min: 0, default: 2_000, description: 'cap on one retry delay, in ms' },
}

/** The request timeout adapters share. */
export const REQUEST_TIMEOUT_SETTING: AdapterSettingsSchema = {
  requestTimeoutMs: { type: 'integer', min: 1, default: 10_000, description: 'time allowed for one request, in ms' },
}

/** withRetry's timing options, as adapter settings give them. */
export type RetryTiming = Required<Pick<RetryOptions, 'attempts' | 'baseDelayMs' | 'maxDelayMs'>>

/** RETRY_SETTINGS read, ready to spread into withRetry's options. */
export function retrySettings(definition: AdapterSettingsDefinition, settings: KmsAdapterSettings): RetryTiming {
  return {
    attempts: definition.integer(settings, 'retryAttempts'),
    baseDelayMs: definition.integer(settings, 'retryBaseDelayMs'),
    maxDelayMs: definition.integer(settings, 'retryMaxDelayMs'),
  }
}
