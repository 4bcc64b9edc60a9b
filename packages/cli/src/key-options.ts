import {
  combineKeyRetrievers,
  type DecryptionProperties,
  type KeyRetriever,
  keyListRetriever,
  parseKeyList,
} from '@pme/core'
import type { ResolvedConfig } from './config/resolve.js'
import { settingValue } from './config/resolve.js'
import { type KmsSetup, kmsOptionHelp, kmsOptionSpec, kmsSetup } from './kms.js'

/** Key and KMS options every command that opens encrypted files accepts. */
export const keyOptionSpec = {
  ...kmsOptionSpec,
  'key-list': { type: 'string' },
  'key-list-file': { type: 'string' },
  'aad-prefix': { type: 'string' },
  'skip-signature-check': { type: 'boolean' },
  strict: { type: 'boolean' },
} as const

export const keyOptionHelp = `  --key-list-file <file>           a file holding the key list "id: <base64>, ...": master keys of the local
                                   KMS, and keys of files whose key metadata is a plain key id (or
                                   PME_KEY_LIST_FILE; --key-list and PME_KEY_LIST take the list as is)
  --aad-prefix <s>                 AAD prefix, for files that do not store theirs
  --skip-signature-check           do not verify a plaintext footer's signature
  --strict                         refuse what is otherwise left out with a warning on stderr: a bloom
                                   filter of an encrypted column stored unencrypted (arrow-rs writes them)
${kmsOptionHelp}`

/** How the files of one command run are opened: the KMS is set up once, for every file. */
export interface FileReader {
  properties(path: string): DecryptionProperties
}

/**
 * PKMT1 key metadata goes to the key tools and the KMS; key metadata that is a plain key id is looked
 * up in the key list (as parquet-testing's "kf", "kc1"). `aadPrefix` is the files' AAD prefix.
 */
export async function fileReader(
  config: ResolvedConfig,
  options: { aadPrefix?: string | undefined; skipSignatureCheck?: boolean | undefined; strict?: boolean | undefined },
  kms?: KmsSetup,
): Promise<FileReader> {
  const setup = kms ?? (await kmsSetup(config))
  const keyList = settingValue<string>(config, 'kms.keyList')
  const explicit = keyList ? keyListRetriever(parseKeyList(keyList)) : undefined
  return {
    properties(path) {
      const retrievers: KeyRetriever[] = []
      const lifetime = setup?.cacheLifetimeSeconds
      const tools = setup?.factory.fileDecryptionProperties(
        setup.connection,
        lifetime ? { cacheLifetimeSeconds: lifetime } : {},
        path,
      ).keyRetriever
      if (tools) retrievers.push(tools)
      if (explicit) retrievers.push(explicit)
      return {
        ...(retrievers.length > 0 ? { keyRetriever: combineKeyRetrievers(...retrievers) } : {}),
        ...(options.aadPrefix !== undefined ? { aadPrefix: options.aadPrefix } : {}),
        ...(options.skipSignatureCheck ? { checkFooterSignature: false } : {}),
        ...(options.strict ? { strict: true } : {}),
        onWarning: (message: string) => process.stderr.write(`pme: warning: ${message}\n`),
      }
    },
  }
}

/** The reading options of the read commands (cat, inspect, decrypt): their --aad-prefix is the input's. */
export function readOptions(values: Readonly<Record<string, unknown>>) {
  return {
    aadPrefix: values['aad-prefix'] as string | undefined,
    skipSignatureCheck: values['skip-signature-check'] === true,
    strict: values.strict === true,
  }
}
