import {
  combineKeyRetrievers,
  type DecryptionProperties,
  type KeyRetriever,
  keyListRetriever,
  parseKeyList,
} from '@pme/core'
import { type KmsOptionValues, kmsOptionHelp, kmsOptionSpec, kmsSetup } from './kms.js'

/** Key and KMS options every command that opens encrypted files accepts. */
export const keyOptionSpec = {
  ...kmsOptionSpec,
  'key-list': { type: 'string' },
  'aad-prefix': { type: 'string' },
  'skip-signature-check': { type: 'boolean' },
} as const

export interface KeyOptionValues extends KmsOptionValues {
  'key-list'?: string
  'aad-prefix'?: string
  'skip-signature-check'?: boolean
}

export const keyOptionHelp = `  --key-list "id: <base64>, ..."  master keys of the local KMS, and keys of files whose key metadata is a
                                   plain key id (or PME_KEY_LIST, which keeps keys out of shell history)
  --aad-prefix <s>                 AAD prefix, for files that do not store theirs
  --skip-signature-check           do not verify a plaintext footer's signature
${kmsOptionHelp}`

/**
 * How to read `path`: PKMT1 key metadata goes to the key tools and the KMS; key metadata that is a
 * plain key id is looked up in the key list (as parquet-testing's "kf", "kc1").
 */
export async function readProperties(
  values: KeyOptionValues,
  env: NodeJS.ProcessEnv,
  path: string,
): Promise<DecryptionProperties> {
  const keyList = values['key-list'] ?? env.PME_KEY_LIST
  const retrievers: KeyRetriever[] = []
  const kms = await kmsSetup(values, env)
  const tools = kms?.factory.fileDecryptionProperties(kms.connection, {}, path).keyRetriever
  if (tools) retrievers.push(tools)
  if (keyList) retrievers.push(keyListRetriever(parseKeyList(keyList)))
  return {
    ...(retrievers.length > 0 ? { keyRetriever: combineKeyRetrievers(...retrievers) } : {}),
    ...(values['aad-prefix'] !== undefined ? { aadPrefix: values['aad-prefix'] } : {}),
    ...(values['skip-signature-check'] ? { checkFooterSignature: false } : {}),
  }
}
