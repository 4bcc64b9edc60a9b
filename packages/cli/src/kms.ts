import { CryptoFactory, type KmsAdapter, type KmsConnectionConfig, UsageError } from '@pme/core'
import { readConfigFile } from './config/config-file.js'
import { waysToSet } from './config/encryption-settings.js'
import { type FlagValues, type ResolvedConfig, resolveConfig, settingValue } from './config/resolve.js'

/** KMS options every command accepts. */
export const kmsOptionSpec = {
  config: { type: 'string' },
  kms: { type: 'string' },
  'kms-instance-id': { type: 'string' },
  'kms-instance-url': { type: 'string' },
  'access-token': { type: 'string' },
  'access-token-file': { type: 'string' },
} as const

export const kmsOptionHelp = `  --config <file>                  pme.config.json (or PME_CONFIG); its values yield to PME_* variables and flags
  --kms <type>                     KMS backend: local (default, the in-memory KMS holding --key-list), http, vault,
                                   aws, gcp, azure, ibm: loads @pme/kms-<type> (or PME_KMS, kms.type)
  --kms-instance-id <id> --kms-instance-url <url>
                                   the KMS connection (or PME_KMS_INSTANCE_ID, PME_KMS_INSTANCE_URL)
  --access-token-file <file>       a file holding the access token (or PME_ACCESS_TOKEN_FILE); --access-token <t>
                                   and PME_ACCESS_TOKEN take it as is, where ps and shell history see it`

/** The configuration of one command run: `--config` or PME_CONFIG, then PME_* variables, then flags. */
export async function loadConfig(flags: FlagValues, env: NodeJS.ProcessEnv): Promise<ResolvedConfig> {
  const path = (flags.config as string | undefined) || env.PME_CONFIG || undefined
  return resolveConfig(await readConfigFile(path, env), env, flags)
}

export interface KmsSetup {
  readonly factory: CryptoFactory
  readonly connection: Partial<KmsConnectionConfig>
  readonly cacheLifetimeSeconds: number | undefined
}

/** The backends pme knows, each the package @pme/kms-<type>. */
export const KMS_TYPES = ['local', 'http', 'vault', 'aws', 'gcp', 'azure', 'ibm'] as const

/** The adapter package of a backend, loaded only when used: install only the one you need. */
export async function loadAdapter(type: string): Promise<KmsAdapter> {
  if (!/^[a-z0-9-]+$/.test(type)) throw new UsageError(`invalid KMS type "${type}" (expected e.g. local, vault, aws)`)
  const name = `@pme/kms-${type}`
  try {
    return (await import(name)) as KmsAdapter
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String(error).includes(name)) {
      throw new UsageError(`KMS "${type}" is not installed: install ${name}`)
    }
    throw error
  }
}

/** The connection and adapter settings of the configured backend. */
export function kmsOf(config: ResolvedConfig) {
  const value = (key: string) => settingValue<string>(config, key)
  const connection: Partial<KmsConnectionConfig> = {}
  const instanceId = value('kms.instanceId')
  const instanceUrl = value('kms.instanceUrl')
  const accessToken = value('kms.accessToken')
  if (instanceId) connection.kmsInstanceId = instanceId
  if (instanceUrl) connection.kmsInstanceUrl = instanceUrl
  if (accessToken) connection.keyAccessToken = accessToken
  const type = value('kms.type') ?? 'local'
  // Key lists are the local KMS's settings: another backend must not see an exported PME_KEY_LIST.
  const settings: Record<string, string> = {
    ...config.file.kmsSettings,
    ...(type === 'local' ? localKeyLists(config) : {}),
  }
  return { type, connection, settings }
}

/**
 * The local KMS's current and previous master keys. Two spellings of a rotation, each unambiguous:
 * parquet-java's (`--key-list` old, `--new-key-list` new) and pme's (`--previous-key-list` old,
 * `--key-list` new); `--previous-key-list` with `--new-key-list` needs no `--key-list`.
 */
export function localKeyLists(config: ResolvedConfig): { keyList?: string; previousKeyList?: string } {
  const keyList = settingValue<string>(config, 'kms.keyList')
  const previous = settingValue<string>(config, 'kms.previousKeyList')
  const next = settingValue<string>(config, 'kms.newKeyList')
  if (next === undefined) {
    return { ...(keyList ? { keyList } : {}), ...(previous ? { previousKeyList: previous } : {}) }
  }
  if (previous !== undefined && keyList !== undefined && previous !== keyList) {
    throw new UsageError(
      `with ${waysToSet('kms.newKeyList')} the old master keys are the key list (as in parquet-java) or the previous key list: give one of them`,
    )
  }
  const old = previous ?? keyList
  if (old === undefined) {
    throw new UsageError(`the new key list needs the old master keys: set ${waysToSet('kms.keyList')}`)
  }
  return { keyList: next, previousKeyList: old }
}

/** The CryptoFactories of the command running now: closed when it ends (closeKmsSetups). */
const openFactories = new Set<CryptoFactory>()

/**
 * The CryptoFactory of the configured backend, or undefined when the local KMS has no master keys
 * (then only files whose key metadata are plain key ids can be opened, from the key list).
 */
export async function kmsSetup(config: ResolvedConfig): Promise<KmsSetup | undefined> {
  const { type, connection, settings } = kmsOf(config)
  if (type === 'local' && !settings.keyList) return undefined
  const adapter = await loadAdapter(type)
  const factory = new CryptoFactory(await adapter.createKmsClientFactory(settings))
  openFactories.add(factory)
  return {
    factory,
    connection,
    cacheLifetimeSeconds: settingValue<number>(config, 'kms.cacheLifetimeSeconds'),
  }
}

/**
 * Closes the KMS clients of every CryptoFactory the command made (SDK clients, gRPC channels), so
 * the process exits as soon as the command is done, not when idle sockets time out.
 */
export async function closeKmsSetups(): Promise<void> {
  const factories = [...openFactories]
  openFactories.clear()
  await Promise.all(factories.map((factory) => factory.close()))
}
