import { type DecryptionProperties, keyListRetriever, parseKeyList } from '@pme/core'

/** Options every command that reads encrypted files accepts. */
export const keyOptionSpec = {
  'key-list': { type: 'string' },
  'aad-prefix': { type: 'string' },
  'skip-signature-check': { type: 'boolean' },
} as const

export interface KeyOptionValues {
  'key-list'?: string
  'aad-prefix'?: string
  'skip-signature-check'?: boolean
}

/**
 * --key-list holds keys by id: files whose key_metadata is a plain key id (as parquet-testing's
 * "kf", "kc1") find their keys there. The environment variable PME_KEY_LIST is read when the
 * flag is absent, so keys need not appear in shell history or process listings.
 */
export function decryptionProperties(values: KeyOptionValues, env: NodeJS.ProcessEnv): DecryptionProperties {
  const keyList = values['key-list'] ?? env.PME_KEY_LIST
  return {
    ...(keyList ? { keyRetriever: keyListRetriever(parseKeyList(keyList)) } : {}),
    ...(values['aad-prefix'] !== undefined ? { aadPrefix: values['aad-prefix'] } : {}),
    ...(values['skip-signature-check'] ? { checkFooterSignature: false } : {}),
  }
}

export const keyOptionHelp = `  --key-list "id: <base64>, ..."  keys by id, for key metadata that is a plain key id (or PME_KEY_LIST)
  --aad-prefix <s>                 AAD prefix, for files that do not store theirs
  --skip-signature-check           do not verify a plaintext footer's signature`
