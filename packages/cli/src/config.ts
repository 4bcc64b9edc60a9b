import { readFile } from 'node:fs/promises'
import { type KmsAdapterSettings, type KmsConnectionConfig, UsageError } from '@pme/core'

/**
 * The KMS part of `pme.config.json` (path from --config or PME_CONFIG):
 * `{ "kms": { "type": "vault", "instanceId": "...", "instanceUrl": "...", "accessToken": "...",
 *   "settings": { ... } } }`. Environment variables PME_* and flags override it, in that order.
 */
export interface KmsConfig {
  type: string
  connection: Partial<KmsConnectionConfig>
  settings: Record<string, string>
}

function strings(value: unknown, where: string): Record<string, string> {
  if (value === undefined) return {}
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new UsageError(`${where} must be an object`)
  const out: Record<string, string> = {}
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') {
      throw new UsageError(`${where}.${key} must be a string, number or boolean`)
    }
    out[key] = String(item)
  }
  return out
}

export async function readConfigFile(path: string | undefined): Promise<Record<string, unknown>> {
  if (!path) return {}
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new UsageError(`cannot read config file ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`)
  }
  try {
    const json = JSON.parse(text) as unknown
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('not an object')
    return json as Record<string, unknown>
  } catch (error) {
    throw new UsageError(`config file ${path} is not a JSON object: ${(error as Error).message}`)
  }
}

export interface KmsOverrides {
  type?: string | undefined
  instanceId?: string | undefined
  instanceUrl?: string | undefined
  accessToken?: string | undefined
  settings: Record<string, string | undefined>
}

/** File, then environment, then flags: the later wins. Empty values do not override. */
export function kmsConfig(file: Record<string, unknown>, env: NodeJS.ProcessEnv, flags: KmsOverrides): KmsConfig {
  const kms = file.kms ?? {}
  if (typeof kms !== 'object' || kms === null || Array.isArray(kms)) throw new UsageError('kms must be an object')
  const { settings: nested, ...rest } = kms as Record<string, unknown>
  const top = strings(rest, 'kms')
  const fileSettings = strings(nested, 'kms.settings')
  const pick = (...values: (string | undefined)[]) =>
    values.reverse().find((value) => value !== undefined && value !== '')
  const connection: Partial<KmsConnectionConfig> = {}
  const instanceId = pick(top.instanceId, env.PME_KMS_INSTANCE_ID, flags.instanceId)
  const instanceUrl = pick(top.instanceUrl, env.PME_KMS_INSTANCE_URL, flags.instanceUrl)
  const accessToken = pick(top.accessToken, env.PME_ACCESS_TOKEN, flags.accessToken)
  if (instanceId) connection.kmsInstanceId = instanceId
  if (instanceUrl) connection.kmsInstanceUrl = instanceUrl
  if (accessToken) connection.keyAccessToken = accessToken
  const settings: Record<string, string> = { ...fileSettings }
  for (const [key, value] of Object.entries(flags.settings))
    if (value !== undefined && value !== '') settings[key] = value
  return { type: pick(top.type, env.PME_KMS, flags.type) ?? 'local', connection, settings }
}

export type { KmsAdapterSettings }
