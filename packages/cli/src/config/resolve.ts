import { UsageError } from '@pme/core'
import { type ConfigFile, optionKey } from './config-file.js'
import { ALGORITHMS, OPTIONS, type OptionKind, type OptionSpec } from './options.js'

export type SettingValue = string | boolean | number | Readonly<Record<string, readonly string[]>>

/** A resolved option: its value and where it came from (`pme config show` prints both). */
export interface Setting {
  readonly value: SettingValue
  readonly source: 'file' | 'env' | 'flag'
  /** `pme.config.json: encryption.footerKey`, `PME_FOOTER_KEY`, `--footer-key`. */
  readonly origin: string
}

/** Flag values as `parseArgs` gives them. */
export type FlagValues = Readonly<Record<string, unknown>>

export interface ResolvedConfig {
  readonly file: ConfigFile
  /** By `section.name`; options set nowhere are absent. */
  readonly settings: ReadonlyMap<string, Setting>
}

function asBoolean(raw: unknown, where: string): boolean {
  if (typeof raw === 'boolean') return raw
  if (typeof raw === 'string' && /^(true|false)$/i.test(raw.trim())) return raw.trim().toLowerCase() === 'true'
  throw new UsageError(`${where} must be true or false, got ${JSON.stringify(raw)}`)
}

function asInteger(raw: unknown, where: string): number {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : ''
  if (!/^\d+$/.test(text) || Number(text) === 0) {
    throw new UsageError(`${where} must be a positive whole number, got ${JSON.stringify(raw)}`)
  }
  return Number(text)
}

function asColumnKeys(raw: unknown, where: string): SettingValue {
  if (typeof raw === 'string') return raw
  const valid =
    typeof raw === 'object' &&
    raw !== null &&
    !Array.isArray(raw) &&
    Object.values(raw).every((columns) => Array.isArray(columns) && columns.every((c) => typeof c === 'string'))
  if (!valid) throw new UsageError(`${where} must be "mk:col,col;mk:col" or { "mk": ["col", ...] }`)
  return raw as Record<string, string[]>
}

function asString(raw: unknown, where: string): string {
  if (typeof raw !== 'string') throw new UsageError(`${where} must be a string, got ${JSON.stringify(raw)}`)
  return raw
}

/** Checks and converts a raw value; strings from variables and Hadoop properties are parsed. */
function typed(kind: OptionKind, raw: unknown, where: string): SettingValue {
  switch (kind) {
    case 'boolean':
      return asBoolean(raw, where)
    case 'integer':
      return asInteger(raw, where)
    case 'keyBits': {
      const bits = asInteger(raw, where)
      if (bits !== 128 && bits !== 192 && bits !== 256) throw new UsageError(`${where} must be 128, 192 or 256`)
      return bits
    }
    case 'algorithm': {
      const name = asString(raw, where)
      if (!(ALGORITHMS as readonly string[]).includes(name)) {
        throw new UsageError(`${where} must be ${ALGORITHMS.join(' or ')}, got "${name}"`)
      }
      return name
    }
    case 'columnKeys':
      return asColumnKeys(raw, where)
    default:
      return asString(raw, where)
  }
}

/** The highest-precedence value of one option: flag, then environment, then file. Empty strings are unset. */
function resolveOne(
  option: OptionSpec,
  file: ConfigFile,
  env: NodeJS.ProcessEnv,
  flags: FlagValues,
): Setting | undefined {
  const flag = option.flag === undefined ? undefined : flags[option.flag]
  if (flag !== undefined && flag !== '' && flag !== false) {
    const where = `--${option.flag}`
    const raw = typeof flag === 'boolean' ? (option.flagSets ?? true) : flag
    return { value: typed(option.kind, raw, where), source: 'flag', origin: where }
  }
  const variable = option.env === undefined ? undefined : env[option.env]
  if (variable !== undefined && variable !== '') {
    return { value: typed(option.kind, variable, option.env as string), source: 'env', origin: option.env as string }
  }
  const found = file.values.get(optionKey(option))
  if (found === undefined || found.raw === '') return undefined
  const origin = `${file.path}: ${found.origin}`
  return { value: typed(option.kind, found.raw, origin), source: 'file', origin }
}

/** `pme.config.json` < `PME_*` variables < flags, for every option of the table. */
export function resolveConfig(file: ConfigFile, env: NodeJS.ProcessEnv, flags: FlagValues): ResolvedConfig {
  const settings = new Map<string, Setting>()
  for (const option of OPTIONS) {
    const setting = resolveOne(option, file, env, flags)
    if (setting) settings.set(optionKey(option), setting)
  }
  return { file, settings }
}

export function settingValue<T extends SettingValue>(config: ResolvedConfig, key: string): T | undefined {
  return config.settings.get(key)?.value as T | undefined
}
