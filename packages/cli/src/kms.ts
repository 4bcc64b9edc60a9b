import { CryptoFactory, type KmsConnectionConfig, UsageError } from '@pme/core'

/** KMS options every command accepts. */
export const kmsOptionSpec = {
  kms: { type: 'string' },
  'kms-instance-id': { type: 'string' },
  'kms-instance-url': { type: 'string' },
  'access-token': { type: 'string' },
} as const

export interface KmsOptionValues {
  kms?: string
  'kms-instance-id'?: string
  'kms-instance-url'?: string
  'access-token'?: string
  'key-list'?: string
}

export const kmsOptionHelp = `  --kms <type>                     KMS backend (default local: the in-memory KMS holding --key-list)
  --kms-instance-id <id> --kms-instance-url <url> --access-token <t> (or PME_ACCESS_TOKEN)`

export interface KmsSetup {
  readonly factory: CryptoFactory
  readonly connection: Partial<KmsConnectionConfig>
}

/**
 * The CryptoFactory of the chosen backend, or undefined when the local KMS has no master keys (then
 * only files whose key metadata are plain key ids can be opened, from the key list).
 */
export async function kmsSetup(
  values: KmsOptionValues,
  env: NodeJS.ProcessEnv,
  previousKeyList?: string,
): Promise<KmsSetup | undefined> {
  const type = values.kms ?? env.PME_KMS ?? 'local'
  const connection: Partial<KmsConnectionConfig> = {
    ...(values['kms-instance-id'] ? { kmsInstanceId: values['kms-instance-id'] } : {}),
    ...(values['kms-instance-url'] ? { kmsInstanceUrl: values['kms-instance-url'] } : {}),
    ...((values['access-token'] ?? env.PME_ACCESS_TOKEN)
      ? { keyAccessToken: values['access-token'] ?? env.PME_ACCESS_TOKEN }
      : {}),
  }
  if (type !== 'local') throw new UsageError(`KMS "${type}" is not available: install @pme/kms-${type}`)
  const keyList = values['key-list'] ?? env.PME_KEY_LIST
  if (!keyList) return undefined
  const { LocalKms, localKmsClientFactory } = await import('@pme/kms-local')
  // Rotation: the previous key list holds the old master key versions, the key list the current ones.
  const kms = new LocalKms(previousKeyList ?? keyList)
  if (previousKeyList) kms.rotate(keyList)
  return { factory: new CryptoFactory(localKmsClientFactory(kms)), connection }
}
