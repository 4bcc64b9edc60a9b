import type { Algorithm } from '../crypto/module-cipher.js'
import { UsageError } from '../errors.js'
import type { EncryptionConfiguration } from './encryption-configuration.js'
import type { KmsConnectionConfig } from './kms-client.js'

/*
 * parquet-java's Hadoop properties (PropertiesDrivenCryptoFactory, KeyToolkit), so a Spark user's
 * `parquet.encryption.*` settings carry over unchanged.
 */

const PREFIX = 'parquet.encryption.'

/** Names read by other parts (the KMS client), accepted here without effect. */
const KMS_CLIENT_PROPERTIES = ['kms.client.class', 'key.list', 'new.key.list']

const ENCRYPTION_PROPERTIES = [
  'footer.key',
  'uniform.key',
  'column.keys',
  'complete.columns',
  'algorithm',
  'plaintext.footer',
  'double.wrapping',
  'cache.lifetime.seconds',
  'key.material.store.internally',
  'data.key.length.bits',
  'kek.length.bits',
]
const CONNECTION_PROPERTIES = ['kms.instance.id', 'kms.instance.url', 'key.access.token']
const KNOWN = new Set([...ENCRYPTION_PROPERTIES, ...CONNECTION_PROPERTIES, ...KMS_CLIENT_PROPERTIES])

type Properties = Readonly<Record<string, string | undefined>>

/** A misspelt property would silently leave data unencrypted: unknown parquet.encryption.* names are errors. */
function checkNames(properties: Properties): void {
  for (const name of Object.keys(properties)) {
    if (name.startsWith(PREFIX) && !KNOWN.has(name.slice(PREFIX.length))) {
      throw new UsageError(`unknown property ${name} (known: ${[...KNOWN].map((known) => PREFIX + known).join(', ')})`)
    }
  }
}

function get(properties: Properties, name: string): string | undefined {
  const value = properties[PREFIX + name]?.trim()
  return value === '' ? undefined : value
}

function bool(properties: Properties, name: string): boolean | undefined {
  const value = get(properties, name)
  if (value === undefined) return undefined
  if (/^true$/i.test(value)) return true
  if (/^false$/i.test(value)) return false
  throw new UsageError(`${PREFIX}${name} must be true or false, got "${value}"`)
}

function int(properties: Properties, name: string): number | undefined {
  const value = get(properties, name)
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value)) throw new UsageError(`${PREFIX}${name} must be a whole number, got "${value}"`)
  return Number(value)
}

function keyBits(properties: Properties, name: string): 128 | 192 | 256 | undefined {
  const bits = int(properties, name)
  if (bits === undefined) return undefined
  if (bits !== 128 && bits !== 192 && bits !== 256) throw new UsageError(`${PREFIX}${name} must be 128, 192 or 256`)
  return bits
}

function algorithm(properties: Properties): Algorithm | undefined {
  const value = get(properties, 'algorithm')
  if (value === undefined || value === 'AES_GCM_V1' || value === 'AES_GCM_CTR_V1') return value
  throw new UsageError(`${PREFIX}algorithm must be AES_GCM_V1 or AES_GCM_CTR_V1, got "${value}"`)
}

/** The encryption configuration that `parquet.encryption.*` properties describe. */
export function encryptionConfigurationFromProperties(properties: Properties): EncryptionConfiguration {
  checkNames(properties)
  const uniformKey = get(properties, 'uniform.key')
  const footerKey = get(properties, 'footer.key')
  const columnKeys = get(properties, 'column.keys')
  const completeColumns = bool(properties, 'complete.columns')
  if (uniformKey && (footerKey || columnKeys || completeColumns)) {
    throw new UsageError(`${PREFIX}uniform.key cannot be combined with footer.key, column.keys or complete.columns`)
  }
  if (!uniformKey && !footerKey) throw new UsageError(`set ${PREFIX}footer.key (or ${PREFIX}uniform.key)`)
  const optional = {
    encryptionAlgorithm: algorithm(properties),
    plaintextFooter: bool(properties, 'plaintext.footer'),
    doubleWrapping: bool(properties, 'double.wrapping'),
    cacheLifetimeSeconds: int(properties, 'cache.lifetime.seconds'),
    internalKeyMaterial: bool(properties, 'key.material.store.internally'),
    dataKeyLengthBits: keyBits(properties, 'data.key.length.bits'),
    kekLengthBits: keyBits(properties, 'kek.length.bits'),
  }
  const defined = Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined))
  if (uniformKey) return { footerKey: uniformKey, uniformEncryption: true, ...defined }
  return {
    footerKey: footerKey as string,
    ...(columnKeys ? { columnKeys } : {}),
    ...(completeColumns !== undefined ? { completeColumns } : {}),
    ...defined,
  }
}

/** The KMS connection that `parquet.encryption.kms.instance.*` and `.key.access.token` describe. */
export function kmsConnectionFromProperties(properties: Properties): Partial<KmsConnectionConfig> {
  checkNames(properties)
  const id = get(properties, 'kms.instance.id')
  const url = get(properties, 'kms.instance.url')
  const token = get(properties, 'key.access.token')
  return {
    ...(id ? { kmsInstanceId: id } : {}),
    ...(url ? { kmsInstanceUrl: url } : {}),
    ...(token ? { keyAccessToken: token } : {}),
  }
}
