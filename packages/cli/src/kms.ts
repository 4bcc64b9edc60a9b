import { CryptoFactory, type KmsAdapter, type KmsConnectionConfig, UsageError } from '@pme/core'
import { readConfigFile } from './config/config-file.js'
import { type FlagValues, type ResolvedConfig, resolveConfig, settingValue } from './config/resolve.js'

/** KMS options every command accepts. */
export const kmsOptionSpec = {
  config: { type: 'string' },
  kms: { type: 'string' },
  'kms-instance-id': { type: 'string' },
  'kms-instance-url': { type: 'string' },
  'access-token': { type: 'string' },
} as const

export const kmsOptionHelp = `  --config <file>                  pme.config.json (or PME_CONFIG); its values yield to PME_* variables and flags
  --kms <type>                     KMS backend: local (default, the in-memory KMS holding --key-list), http, vault,
                                   aws, gcp, azure, ibm: loads @pme/kms-<type> (or PME_KMS, kms.type)
  --kms-instance-id <id> --kms-instance-url <url> --access-token <t>
                                   the KMS connection (or PME_KMS_INSTANCE_ID, PME_KMS_INSTANCE_URL, PME_ACCESS_TOKEN)`

/** The configuration of one command run: `--config` or PME_CONFIG, then PME_* variables, then flags. */
export async function loadConfig(flags: FlagValues, env: NodeJS.ProcessEnv): Promise<ResolvedConfig> {
  const path = (flags.config as string | undefined) || env.PME_CONFIG || undefined
  return resolveConfig(await readConfigFile(path), env, flags)
}

export interface KmsSetup {
  readonly factory: CryptoFactory
  readonly connection: Partial<KmsConnectionConfig>
  readonly cacheLifetimeSeconds: number | undefined
}

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
  const settings: Record<string, string> = { ...config.file.kmsSettings }
  const keyList = value('kms.keyList')
  const previousKeyList = value('kms.previousKeyList')
  if (keyList) settings.keyList = keyList
  if (previousKeyList) settings.previousKeyList = previousKeyList
  return { type: value('kms.type') ?? 'local', connection, settings }
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
