import { rm } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import {
  type EncryptionConfiguration,
  type EncryptionProperties,
  encryptFile,
  type KeySpec,
  keyMaterialPath,
  parseColumnKeys,
  parseKeyList,
  UsageError,
} from '@pme/core'
import { type KeyOptionValues, keyOptionHelp, keyOptionSpec, readProperties } from '../key-options.js'
import { kmsSetup } from '../kms.js'
import type { Command } from './command.js'

const ALGORITHMS = ['AES_GCM_V1', 'AES_GCM_CTR_V1'] as const
type AlgorithmName = (typeof ALGORITHMS)[number]
const utf8 = new TextEncoder()

interface EncryptValues extends KeyOptionValues {
  'footer-key'?: string
  'column-keys'?: string
  uniform?: boolean
  'complete-columns'?: boolean
  'plaintext-footer'?: boolean
  algorithm?: string
  'no-store-aad-prefix'?: boolean
  'no-double-wrapping'?: boolean
  'external-key-material'?: boolean
  'data-key-bits'?: string
  'explicit-keys'?: boolean
}

function checked(values: EncryptValues): { footerKey: string; algorithm: AlgorithmName } {
  const footerKey = values['footer-key']
  if (!footerKey) throw new UsageError('encrypt needs --footer-key <id>')
  if (Boolean(values['column-keys']) === Boolean(values.uniform)) {
    throw new UsageError('give exactly one of --column-keys "<id>:<col>,<col>;..." and --uniform')
  }
  const algorithm = values.algorithm ?? 'AES_GCM_V1'
  if (!ALGORITHMS.includes(algorithm as AlgorithmName)) {
    throw new UsageError(`--algorithm must be one of ${ALGORITHMS.join(', ')}`)
  }
  if (values['no-store-aad-prefix'] && values['aad-prefix'] === undefined) {
    throw new UsageError('--no-store-aad-prefix needs --aad-prefix')
  }
  return { footerKey, algorithm: algorithm as AlgorithmName }
}

/** The key tools' configuration: ids are master key ids of the KMS. */
function configuration(values: EncryptValues): EncryptionConfiguration {
  const { footerKey, algorithm } = checked(values)
  const bits = values['data-key-bits'] === undefined ? 128 : Number(values['data-key-bits'])
  if (bits !== 128 && bits !== 192 && bits !== 256) throw new UsageError('--data-key-bits must be 128, 192 or 256')
  return {
    footerKey,
    ...(values['column-keys'] ? { columnKeys: values['column-keys'] } : { uniformEncryption: true }),
    completeColumns: values['complete-columns'] === true,
    plaintextFooter: values['plaintext-footer'] === true,
    encryptionAlgorithm: algorithm,
    doubleWrapping: values['no-double-wrapping'] !== true,
    internalKeyMaterial: values['external-key-material'] !== true,
    dataKeyLengthBits: bits,
    ...(values['aad-prefix'] !== undefined ? { aadPrefix: values['aad-prefix'] } : {}),
    storeAadPrefix: values['no-store-aad-prefix'] !== true,
  }
}

/** --explicit-keys: the key list's keys are the data keys, and each id is stored as key metadata. */
function explicitProperties(values: EncryptValues, env: NodeJS.ProcessEnv): EncryptionProperties {
  const { footerKey, algorithm } = checked(values)
  const keys = parseKeyList(values['key-list'] ?? env.PME_KEY_LIST ?? '')
  const spec = (id: string): KeySpec => {
    const key = keys.get(id)
    if (!key) throw new UsageError(`key "${id}" is not in the key list (--key-list or PME_KEY_LIST)`)
    return { key, keyMetadata: utf8.encode(id) }
  }
  const columnKeys: Record<string, KeySpec> = {}
  for (const [id, columns] of parseColumnKeys(values['column-keys'] ?? '')) {
    for (const column of columns) columnKeys[column] = spec(id)
  }
  return {
    footerKey: spec(footerKey),
    columnKeys,
    completeColumns: values['complete-columns'] === true,
    plaintextFooter: values['plaintext-footer'] === true,
    algorithm,
    ...(values['aad-prefix'] !== undefined ? { aadPrefix: values['aad-prefix'] } : {}),
    storeAadPrefix: values['no-store-aad-prefix'] !== true,
  }
}

function outputs(inputs: string[], output: string | undefined, outDir: string | undefined): string[] {
  if (Boolean(output) === Boolean(outDir)) throw new UsageError('give exactly one of -o <out> and --out-dir <dir>')
  if (output) {
    if (inputs.length !== 1) throw new UsageError('-o takes one input; use --out-dir for several')
    return [output]
  }
  const targets = inputs.map((input) => join(outDir as string, basename(input)))
  if (new Set(targets).size !== targets.length) throw new UsageError('two inputs have the same file name')
  return targets
}

/** Properties for one output file: fresh data keys per file from the KMS, or the explicit keys. */
async function propertiesFor(
  values: EncryptValues,
  env: NodeJS.ProcessEnv,
  output: string,
): Promise<EncryptionProperties> {
  if (values['explicit-keys']) return explicitProperties(values, env)
  const kms = await kmsSetup(values, env)
  if (!kms) throw new UsageError('the local KMS needs master keys: --key-list "id: <base64>, ..." (or PME_KEY_LIST)')
  return kms.factory.fileEncryptionProperties(kms.connection, configuration(values), output)
}

export const encryptCommand: Command = {
  name: 'encrypt',
  summary: 'encrypt Parquet files from any writer, module by module (pages are not re-encoded)',
  usage: `pme encrypt <in...> (-o <out> | --out-dir <dir>) --footer-key <id> (--column-keys "<id>:<col>,<col>;<id>:<col>" | --uniform)
            [--complete-columns] [--plaintext-footer] [--algorithm AES_GCM_V1|AES_GCM_CTR_V1]
            [--aad-prefix <s> [--no-store-aad-prefix]] [--no-double-wrapping] [--external-key-material]
            [--data-key-bits 128|192|256] [--explicit-keys]
  Ids are master key ids of the KMS: every file gets fresh data keys, wrapped as PKMT1 key material.
  --explicit-keys uses the key list's keys as the data keys and stores their ids as key metadata.
${keyOptionHelp}`,
  options: {
    ...keyOptionSpec,
    output: { type: 'string', short: 'o' },
    'out-dir': { type: 'string' },
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
  async run({ positionals, values, env }) {
    if (positionals.length === 0) throw new UsageError('encrypt needs at least one input file')
    const targets = outputs(positionals, values.output as string | undefined, values['out-dir'] as string | undefined)
    const options = values as EncryptValues
    checked(options)
    for (const [i, input] of positionals.entries()) {
      const output = targets[i] as string
      if (resolve(input) === resolve(output)) throw new UsageError(`the output ${output} must not be its input`)
      // An encrypted input is re-encrypted: the same keys decrypt it first (--aad-prefix is the output's).
      const { 'aad-prefix': _outputPrefix, ...readOptions } = options
      const decryption = await readProperties(readOptions, env, input)
      const props = await propertiesFor(options, env, output)
      try {
        await encryptFile(input, output, props, { decryption })
      } catch (error) {
        // External key material is written first (as parquet-java does): do not leave it orphaned.
        if (options['external-key-material'] && !options['explicit-keys'])
          await rm(keyMaterialPath(output), { force: true })
        throw error
      }
    }
  },
}
