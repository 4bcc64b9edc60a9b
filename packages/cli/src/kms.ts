import { CryptoFactory, type KmsAdapter, type KmsConnectionConfig, UsageError } from '@pme/core'
import { kmsConfig, readConfigFile } from './config.js'

/** KMS options every command accepts. */
export const kmsOptionSpec = {
  config: { type: 'string' },
  kms: { type: 'string' },
  'kms-instance-id': { type: 'string' },
  'kms-instance-url': { type: 'string' },
  'access-token': { type: 'string' },
} as const

export interface KmsOptionValues {
  config?: string
  kms?: string
  'kms-instance-id'?: string
  'kms-instance-url'?: string
  'access-token'?: string
  'key-list'?: string
}

export const kmsOptionHelp = `  --config <file>                  pme.config.json (or PME_CONFIG): { "kms": { "type", "instanceId", "instanceUrl", "accessToken", "settings" } }
  --kms <type>                     KMS backend: local (default, the in-memory KMS holding --key-list), vault, aws, ... (or PME_KMS)
  --kms-instance-id <id> --kms-instance-url <url> --access-token <t> (or PME_KMS_INSTANCE_ID, PME_KMS_INSTANCE_URL, PME_ACCESS_TOKEN)`

export interface KmsSetup {
  readonly factory: CryptoFactory
  readonly connection: Partial<KmsConnectionConfig>
}

/** The adapter package of a backend, loaded only when used: install only the one you need. */
async function loadAdapter(type: string): Promise<KmsAdapter> {
  if (!/^[a-z0-9-]+$/.test(type)) throw new UsageError(`invalid KMS type "${type}"`)
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

/**
 * The CryptoFactory of the configured backend, or undefined when the local KMS has no master keys
 * (then only files whose key metadata are plain key ids can be opened, from the key list).
 */
export async function kmsSetup(
  values: KmsOptionValues,
  env: NodeJS.ProcessEnv,
  previousKeyList?: string,
): Promise<KmsSetup | undefined> {
  const file = await readConfigFile(values.config ?? env.PME_CONFIG)
  const config = kmsConfig(file, env, {
    type: values.kms,
    instanceId: values['kms-instance-id'],
    instanceUrl: values['kms-instance-url'],
    accessToken: values['access-token'],
    settings: { keyList: values['key-list'] ?? env.PME_KEY_LIST, previousKeyList },
  })
  if (config.type === 'local' && !config.settings.keyList) return undefined
  const adapter = await loadAdapter(config.type)
  const factory = await adapter.createKmsClientFactory(config.settings)
  return { factory: new CryptoFactory(factory), connection: config.connection }
}
