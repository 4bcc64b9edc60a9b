import { readFile } from 'node:fs/promises'
import { resolveSecretReference, UsageError } from '@pme/core'
import {
  CRYPTO_FACTORY_PROPERTY,
  checkCryptoFactoryClass,
  KMS_CLIENT_PROPERTY,
  kmsTypeOfClientClass,
} from './java-classes.js'
import { type ConfigSection, HADOOP_PREFIX, OPTIONS, type OptionSpec } from './options.js'

/** One value found in the file, with the name it was given under (for messages and `pme config show`). */
export interface FileValue {
  readonly raw: unknown
  readonly origin: string
}

/** `pme.config.json`, checked against the option table: every name known, no option given twice. */
export interface ConfigFile {
  readonly path: string | undefined
  /** By `section.name`. */
  readonly values: ReadonlyMap<string, FileValue>
  /** `kms.settings`: adapter settings (region, endpoint, auth method...) as strings, `$env:`/`$file:` read. */
  readonly kmsSettings: Readonly<Record<string, string>>
  /** The `server` section, for `pme kms serve` (checked by @pme/kms-server). */
  readonly server: unknown
}

const SECTIONS: readonly ConfigSection[] = ['kms', 'encryption']
const TOP_LEVEL = ['$schema', ...SECTIONS, 'server']

export const optionKey = (option: OptionSpec) => `${option.section}.${option.name}`

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

async function readJson(path: string): Promise<Record<string, unknown>> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new UsageError(`cannot read config file ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new UsageError(`config file ${path} is not valid JSON${jsonErrorPlace(text, error)}`)
  }
  if (!isObject(json)) throw new UsageError(`config file ${path} must hold a JSON object`)
  return json
}

/**
 * Where JSON.parse stopped, as "line:column", when its message tells; the message itself is never
 * shown, as it quotes the text (which may be a key list saved under the wrong name).
 */
function jsonErrorPlace(text: string, error: unknown): string {
  const position = /at position (\d+)/.exec((error as Error).message)?.[1]
  if (position === undefined) return ' (its contents are not shown: they may hold secrets)'
  const before = text.slice(0, Number(position)).split('\n')
  return ` at line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`
}

function known(section: ConfigSection): string {
  return OPTIONS.filter((option) => option.section === section)
    .map((option) => option.name)
    .join(', ')
}

function hadoopOption(name: string, path: string): OptionSpec {
  const property = name.slice(HADOOP_PREFIX.length)
  const option = OPTIONS.find((candidate) => candidate.hadoop === property)
  if (!option) {
    const names = OPTIONS.flatMap((candidate) => (candidate.hadoop ? [HADOOP_PREFIX + candidate.hadoop] : []))
    throw new UsageError(`${path}: unknown property ${name} (known: ${[...names, KMS_CLIENT_PROPERTY].join(', ')})`)
  }
  return option
}

/** `kms.settings` as strings; a string may be `"$env:NAME"` or `"$file:/path"` (secrets kept out of the file). */
function adapterSettings(value: unknown, path: string, env: NodeJS.ProcessEnv): Record<string, string> {
  if (value === undefined) return {}
  if (!isObject(value)) throw new UsageError(`${path}: kms.settings must be an object`)
  const settings: Record<string, string> = {}
  for (const [name, item] of Object.entries(value)) {
    const where = `${path}: kms.settings.${name}`
    if (typeof item === 'string') settings[name] = resolveSecretReference(item, where, env)
    else if (typeof item === 'number' || typeof item === 'boolean') settings[name] = String(item)
    else throw new UsageError(`${where} must be a string, number or boolean`)
  }
  return settings
}

/**
 * Reads and checks `pme.config.json`. Hadoop `parquet.encryption.*` names are accepted at the top
 * level (a Spark user's properties pasted as they are) and in the sections, beside camelCase names.
 */
export async function readConfigFile(path: string | undefined, env: NodeJS.ProcessEnv): Promise<ConfigFile> {
  const empty = { path, values: new Map(), kmsSettings: {}, server: undefined }
  if (!path) return empty
  const json = await readJson(path)
  const values = new Map<string, FileValue>()
  const add = (option: OptionSpec, raw: unknown, origin: string) => {
    const key = optionKey(option)
    const earlier = values.get(key)
    if (earlier) throw new UsageError(`${path}: ${origin} and ${earlier.origin} set the same option: keep one`)
    values.set(key, { raw, origin })
  }
  const kmsType = OPTIONS.find((option) => optionKey(option) === 'kms.type') as OptionSpec
  for (const [name, value] of Object.entries(json)) {
    // The Java class names of a Spark configuration: the key tools' factory is what pme is; the KMS
    // client class names the backend.
    if (name === CRYPTO_FACTORY_PROPERTY) checkCryptoFactoryClass(value, path)
    else if (name === KMS_CLIENT_PROPERTY) add(kmsType, kmsTypeOfClientClass(value, path), name)
    else if (name.startsWith(HADOOP_PREFIX)) add(hadoopOption(name, path), value, name)
    else if (!TOP_LEVEL.includes(name)) {
      throw new UsageError(
        `${path}: unknown top-level name "${name}" (known: ${TOP_LEVEL.join(', ')}, parquet.encryption.*, ${CRYPTO_FACTORY_PROPERTY})`,
      )
    }
  }
  for (const section of SECTIONS) {
    const body = json[section]
    if (body === undefined) continue
    if (!isObject(body)) throw new UsageError(`${path}: ${section} must be an object`)
    for (const [name, value] of Object.entries(body)) {
      if (section === 'kms' && name === 'settings') continue
      if (section === 'kms' && name === KMS_CLIENT_PROPERTY) {
        add(kmsType, kmsTypeOfClientClass(value, path), `kms.${name}`)
        continue
      }
      const option = name.startsWith(HADOOP_PREFIX)
        ? hadoopOption(name, path)
        : OPTIONS.find((candidate) => candidate.section === section && candidate.name === name)
      if (!option || option.section !== section) {
        throw new UsageError(`${path}: unknown option ${section}.${name} (known: ${known(section)})`)
      }
      add(option, value, `${section}.${name}`)
    }
  }
  const kms = isObject(json.kms) ? json.kms : {}
  return { path, values, kmsSettings: adapterSettings(kms.settings, path, env), server: json.server }
}
