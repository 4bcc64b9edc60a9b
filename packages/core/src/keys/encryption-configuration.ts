import type { Algorithm } from '../crypto/module-cipher.js'
import { UsageError } from '../errors.js'
import { parseColumnKeys } from '../write/column-keys-string.js'

/**
 * What to encrypt and with which master keys; names and defaults follow pyarrow's
 * EncryptionConfiguration and parquet-java's `parquet.encryption.*` properties.
 */
export interface EncryptionConfiguration {
  /** Master key id of the footer key (with uniformEncryption: of every column too). */
  footerKey: string
  /** Master key id -> columns (leaf paths, or group names meaning all their leaves), or `"mk:col,col;mk:col"`. */
  columnKeys?: Readonly<Record<string, readonly string[]>> | string
  /** Encrypt every column with the footer key. */
  uniformEncryption?: boolean
  /** Encrypt columns not in columnKeys with the footer key (parquet-java's complete.columns). */
  completeColumns?: boolean
  encryptionAlgorithm?: Algorithm
  /** Keep the footer readable (signed). Honoured in uniform mode too, as parquet-java does. */
  plaintextFooter?: boolean
  /** Wrap data keys with KEKs that the KMS wraps (default true): one KMS call per master key, not per column. */
  doubleWrapping?: boolean
  /** Lifetime of cached KEKs and KMS clients (default 600). */
  cacheLifetimeSeconds?: number
  /** Key material in the file (default true) or in `_KEY_MATERIAL_FOR_<file>.json` next to it. */
  internalKeyMaterial?: boolean
  dataKeyLengthBits?: 128 | 192 | 256
  /** parquet-java's kek.length.bits (Arrow fixes it at 128). */
  kekLengthBits?: 128 | 192 | 256
  aadPrefix?: string
  storeAadPrefix?: boolean
}

export interface DecryptionConfiguration {
  cacheLifetimeSeconds?: number
}

export const DEFAULT_CACHE_LIFETIME_SECONDS = 600

/** [master key id, columns] groups in configuration order, whichever form the configuration used. */
function columnKeysByMasterKey(config: EncryptionConfiguration): [string, string[]][] {
  const { columnKeys } = config
  if (columnKeys === undefined) return []
  if (typeof columnKeys === 'string') return parseColumnKeys(columnKeys)
  const text = Object.entries(columnKeys)
    .map(([masterKey, columns]) => `${masterKey}:${columns.join(',')}`)
    .join(';')
  return parseColumnKeys(text) // one validation path for both forms: duplicates are errors
}

function keyBits(value: number | undefined, name: string): number {
  const bits = value ?? 128
  if (bits !== 128 && bits !== 192 && bits !== 256) throw new UsageError(`${name} must be 128, 192 or 256, got ${bits}`)
  return bits
}

/** The configuration with its defaults applied and its combinations checked. */
export function resolveEncryptionConfiguration(config: EncryptionConfiguration) {
  if (!config.footerKey) throw new UsageError('the encryption configuration needs a footer key')
  const columnKeys = columnKeysByMasterKey(config)
  if (config.uniformEncryption && (columnKeys.length > 0 || config.completeColumns)) {
    throw new UsageError('uniform encryption cannot be combined with column keys or complete columns')
  }
  if (!config.uniformEncryption && columnKeys.length === 0 && !config.completeColumns) {
    throw new UsageError('set column keys, uniform encryption or complete columns: otherwise no column is encrypted')
  }
  const lifetime = config.cacheLifetimeSeconds ?? DEFAULT_CACHE_LIFETIME_SECONDS
  if (!(lifetime > 0)) throw new UsageError('the cache lifetime must be positive')
  return {
    footerKey: config.footerKey,
    columnKeys,
    completeColumns: config.completeColumns === true,
    algorithm: config.encryptionAlgorithm ?? 'AES_GCM_V1',
    plaintextFooter: config.plaintextFooter === true,
    doubleWrapping: config.doubleWrapping ?? true,
    cacheLifetimeMs: lifetime * 1000,
    internalKeyMaterial: config.internalKeyMaterial ?? true,
    dataKeyBytes: keyBits(config.dataKeyLengthBits, 'data key length') / 8,
    kekBytes: keyBits(config.kekLengthBits, 'KEK length') / 8,
    ...(config.aadPrefix !== undefined ? { aadPrefix: config.aadPrefix } : {}),
    storeAadPrefix: config.storeAadPrefix ?? true,
  } as const
}
