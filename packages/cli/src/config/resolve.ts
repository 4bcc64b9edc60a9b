import { readSecretFile, resolveSecretReference, UsageError } from '@pme/core'
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
  throw new UsageError(`${where} must be true or false`)
}

function asInteger(raw: unknown, where: string): number {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : ''
  if (!/^\d+$/.test(text) || Number(text) === 0) {
    throw new UsageError(`${where} must be a positive whole number`)
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
  if (typeof raw !== 'string') throw new UsageError(`${where} must be a string`)
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
        throw new UsageError(`${where} must be ${ALGORITHMS.join(' or ')}`)
      }
      return name
    }
    case 'columnKeys':
      return asColumnKeys(raw, where)
    default:
      return asString(raw, where)
  }
}

/** A value and the one that names a file holding it (`--access-token`, `--access-token-file`): one at most. */
function either(
  value: unknown,
  valueName: string,
  file: unknown,
  fileName: string | undefined,
): { raw: unknown; origin: string } | undefined {
  const given = (item: unknown) => item !== undefined && item !== '' && item !== false
  if (given(value) && given(file)) throw new UsageError(`${valueName} and ${fileName} exclude each other: keep one`)
  if (given(file)) return { raw: readSecretFile(String(file), fileName as string), origin: fileName as string }
  return given(value) ? { raw: value, origin: valueName } : undefined
}

/**
 * The highest-precedence value of one option: flag, then environment, then file; a secret's
 * `--x-file` and `PME_X_FILE` stand beside `--x` and `PME_X`, and its value in the config file may be
 * `"$env:NAME"` or `"$file:/path"`. Empty strings are unset.
 */
function resolveOne(
  option: OptionSpec,
  file: ConfigFile,
  env: NodeJS.ProcessEnv,
  flags: FlagValues,
): Setting | undefined {
  const flagOf = (name: string | undefined) => (name === undefined ? undefined : flags[name])
  const flag = either(flagOf(option.flag), `--${option.flag}`, flagOf(option.fileFlag), `--${option.fileFlag}`)
  if (flag) {
    const raw = typeof flag.raw === 'boolean' ? (option.flagSets ?? true) : flag.raw
    return { value: typed(option.kind, raw, flag.origin), source: 'flag', origin: flag.origin }
  }
  const envOf = (name: string | undefined) => (name === undefined ? undefined : env[name])
  const variable = either(envOf(option.env), option.env ?? '', envOf(option.fileEnv), option.fileEnv)
  if (variable)
    return { value: typed(option.kind, variable.raw, variable.origin), source: 'env', origin: variable.origin }
  const found = file.values.get(optionKey(option))
  if (found === undefined || found.raw === '') return undefined
  const origin = `${file.path}: ${found.origin}`
  const raw =
    option.kind === 'secret' && typeof found.raw === 'string'
      ? resolveSecretReference(found.raw, origin, env)
      : found.raw
  return { value: typed(option.kind, raw, origin), source: 'file', origin }
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
