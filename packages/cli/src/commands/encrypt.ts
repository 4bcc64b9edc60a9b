import { rm } from 'node:fs/promises'
import {
  type EncryptionConfiguration,
  type EncryptionProperties,
  encryptFile,
  type KeySpec,
  keyMaterialPath,
  parseColumnKeys,
  parseKeyList,
  refreshChecksumSidecar,
  UsageError,
} from '@pme/core'
import { runBatch } from '../batch.js'
import { encryptionConfiguration, waysToSet } from '../config/encryption-settings.js'
import { type ResolvedConfig, settingValue } from '../config/resolve.js'
import { fileReader, keyOptionHelp, keyOptionSpec } from '../key-options.js'
import { kmsSetup, loadConfig } from '../kms.js'
import {
  checkInputFiles,
  checkOutputs,
  ensureOutDir,
  outputOptionHelp,
  outputOptionSpec,
  outputPaths,
} from '../output-paths.js'
import type { Command } from './command.js'

const utf8 = new TextEncoder()

/** --explicit-keys: the key list's keys are the data keys, and each id is stored as key metadata. */
function explicitProperties(config: ResolvedConfig, tools: EncryptionConfiguration): EncryptionProperties {
  const keys = parseKeyList(settingValue<string>(config, 'kms.keyList') ?? '')
  const spec = (id: string): KeySpec => {
    const key = keys.get(id)
    if (!key) throw new UsageError(`key "${id}" is not in the key list: add it to ${waysToSet('kms.keyList')}`)
    return { key, keyMetadata: utf8.encode(id) }
  }
  const columnKeys: Record<string, KeySpec> = {}
  if (typeof tools.columnKeys === 'object') throw new UsageError('--explicit-keys takes column keys as a string')
  for (const [id, columns] of parseColumnKeys(tools.columnKeys ?? '')) {
    for (const column of columns) columnKeys[column] = spec(id)
  }
  return {
    footerKey: spec(tools.footerKey),
    columnKeys,
    completeColumns: tools.completeColumns === true,
    plaintextFooter: tools.plaintextFooter === true,
    algorithm: tools.encryptionAlgorithm ?? 'AES_GCM_V1',
    ...(tools.aadPrefix !== undefined ? { aadPrefix: tools.aadPrefix } : {}),
    storeAadPrefix: tools.storeAadPrefix !== false,
  }
}

export const encryptCommand: Command = {
  name: 'encrypt',
  summary: 'encrypt Parquet files from any writer, module by module (pages are not re-encoded)',
  usage: `pme encrypt <in...> (-o <out> | --out-dir <dir>) --footer-key <id> (--column-keys "<id>:<col>,<col>;<id>:<col>" | --uniform)
            [--complete-columns] [--plaintext-footer] [--algorithm AES_GCM_V1|AES_GCM_CTR_V1]
            [--aad-prefix <s> [--no-store-aad-prefix]] [--no-double-wrapping] [--external-key-material]
            [--data-key-bits 128|192|256] [--explicit-keys] [--force] [--json] [--quiet]
  Ids are master key ids of the KMS: every file gets fresh data keys, wrapped as PKMT1 key material.
  --explicit-keys uses the key list's keys as the data keys and stores their ids as key metadata.
  Every option can come from pme.config.json's "encryption" section or a PME_* variable (pme config show).
${outputOptionHelp}
${keyOptionHelp}`,
  examples: [
    'pme encrypt people.parquet -o people.enc.parquet --footer-key kf --column-keys "kc1:ssn;kc2:name,dob" --key-list-file keys.txt',
    'pme encrypt data/*.parquet --out-dir enc/ --uniform --footer-key k1 --kms vault --kms-instance-url http://127.0.0.1:8200 --access-token-file /run/secrets/vault-token',
    'pme encrypt part-*.parquet --out-dir enc/ --config pme.config.json --json',
  ],
  options: {
    ...keyOptionSpec,
    ...outputOptionSpec,
    'footer-key': { type: 'string' },
    'column-keys': { type: 'string' },
    uniform: { type: 'boolean' },
    'complete-columns': { type: 'boolean' },
    'plaintext-footer': { type: 'boolean' },
    algorithm: { type: 'string' },
    'no-store-aad-prefix': { type: 'boolean' },
    'no-double-wrapping': { type: 'boolean' },
    'external-key-material': { type: 'boolean' },
    'data-key-bits': { type: 'string' },
    'explicit-keys': { type: 'boolean' },
  },
  async run({ positionals, values, env, out, stderr }) {
    if (positionals.length === 0) throw new UsageError('encrypt needs at least one input file')
    const targets = outputPaths(positionals, values.output, values['out-dir'])
    await checkInputFiles(positionals)
    await checkOutputs(targets, values.output, values.force === true)
    const config = await loadConfig(values, env)
    const tools = encryptionConfiguration(config)
    const explicit = values['explicit-keys'] === true
    const kms = explicit ? undefined : await kmsSetup(config)
    if (!explicit && !kms) {
      throw new UsageError(`the local KMS needs master keys: set ${waysToSet('kms.keyList')}`)
    }
    // An encrypted input is re-encrypted: the same keys decrypt it first (--aad-prefix is the output's).
    const reader = await fileReader(
      config,
      { skipSignatureCheck: values['skip-signature-check'] === true, strict: values.strict === true },
      kms,
    )
    await ensureOutDir(values['out-dir'])
    const items = positionals.map((input, i) => ({ input, output: targets[i] as string }))
    await runBatch(
      items,
      async ({ input, output }) => {
        const target = output as string
        const props = kms
          ? await kms.factory.fileEncryptionProperties(kms.connection, tools, target)
          : explicitProperties(config, tools)
        try {
          await encryptFile(input, target, props, { decryption: reader.properties(input) })
          await refreshChecksumSidecar(target)
        } catch (error) {
          // External key material is written first (as parquet-java does): do not leave it orphaned.
          if (kms && tools.internalKeyMaterial === false) await rm(keyMaterialPath(target), { force: true })
          throw error
        }
      },
      { command: 'encrypt', json: values.json === true, quiet: values.quiet === true, out, stderr },
    )
  },
}
