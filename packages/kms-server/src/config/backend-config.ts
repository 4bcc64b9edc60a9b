import { type KmsConnectionConfig, UsageError } from '@pme/core'
import { checkNames, isObject, secretValue } from './config-values.js'

/** The `server.backend` section: an adapter's KMS section, for the caller (the CLI) to load the adapter from. */
export interface BackendSection {
  /** The adapter: `@pme/kms-<type>`. */
  readonly type: string
  readonly connection: Partial<KmsConnectionConfig>
  /** The adapter's settings, as strings (what `createKmsClientFactory(settings)` takes). */
  readonly settings: Record<string, string>
}

const WHERE = 'server.backend'
const NAMES = ['type', 'instanceId', 'instanceUrl', 'accessToken', 'settings']

function settingsOf(raw: unknown, env: NodeJS.ProcessEnv): Record<string, string> {
  if (raw === undefined) return {}
  if (!isObject(raw)) throw new UsageError(`${WHERE}.settings must be an object`)
  const settings: Record<string, string> = {}
  for (const [name, value] of Object.entries(raw)) {
    const where = `${WHERE}.settings.${name}`
    if (typeof value === 'number' || typeof value === 'boolean') settings[name] = String(value)
    else settings[name] = secretValue(value, where, env)
  }
  return settings
}

function optionalString(raw: unknown, where: string, env: NodeJS.ProcessEnv): string | undefined {
  return raw === undefined ? undefined : secretValue(raw, where, env)
}

/**
 * `server.backend` checked: `{ "type": "vault", "instanceUrl", "instanceId", "accessToken", "settings" }`
 * (the `kms` section's names). Undefined when absent (the server then holds `masterKeys` itself).
 * String values may be `$env:NAME`, the access token above all.
 */
export function backendSection(server: unknown, env: NodeJS.ProcessEnv = process.env): BackendSection | undefined {
  const raw = isObject(server) ? server.backend : undefined
  if (raw === undefined) return undefined
  if (!isObject(raw)) throw new UsageError(`${WHERE} must be an object { "type": "vault", ... }`)
  checkNames(raw, NAMES, WHERE)
  const { type } = raw
  if (typeof type !== 'string' || !/^[a-z0-9-]+$/.test(type) || type === 'local') {
    throw new UsageError(
      `${WHERE}.type must name an adapter (vault, aws, gcp, azure, ibm, http); for local keys use server.masterKeys`,
    )
  }
  const connection: Partial<KmsConnectionConfig> = {}
  const instanceId = optionalString(raw.instanceId, `${WHERE}.instanceId`, env)
  const instanceUrl = optionalString(raw.instanceUrl, `${WHERE}.instanceUrl`, env)
  const accessToken = optionalString(raw.accessToken, `${WHERE}.accessToken`, env)
  if (instanceId) connection.kmsInstanceId = instanceId
  if (instanceUrl) connection.kmsInstanceUrl = instanceUrl
  if (accessToken) connection.keyAccessToken = accessToken
  return { type, connection, settings: settingsOf(raw.settings, env) }
}
