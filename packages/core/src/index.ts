export { type ColumnReport, type FileReport, inspectFile, type KeyMetadataView } from './api/inspect-file.js'
export type { Algorithm } from './crypto/module-cipher.js'
export {
  AadPrefixError,
  type ErrorLocation,
  IntegrityError,
  InvalidKeyError,
  KmsAccessDeniedError,
  KmsError,
  KmsKeyDisabledError,
  KmsKeyNotFoundError,
  KmsUnavailableError,
  MalformedFileError,
  MissingKeyError,
  NotEncryptedError,
  PmeError,
  type PmeErrorCode,
  UnsupportedError,
  UsageError,
} from './errors.js'
export { checksumSidecarPath, hadoopChecksumBytes, refreshChecksumSidecar } from './format/hadoop-checksum.js'
export type { AsyncBufferLike, ByteSource, ParquetSource } from './io/byte-source.js'
export {
  type AdapterSettingSpec,
  AdapterSettingsDefinition,
  type AdapterSettingsSchema,
  REQUEST_TIMEOUT_SETTING,
  RETRY_SETTINGS,
  type RetryTiming,
  retrySettings,
} from './keys/adapter-settings.js'
export { CryptoFactory } from './keys/crypto-factory.js'
export {
  DEFAULT_CACHE_LIFETIME_SECONDS,
  type DecryptionConfiguration,
  type EncryptionConfiguration,
} from './keys/encryption-configuration.js'
export type { Clock } from './keys/expiring-cache.js'
export { encryptionConfigurationFromProperties, kmsConnectionFromProperties } from './keys/hadoop-properties.js'
export { keyMaterialPath } from './keys/key-material-store.js'
export {
  type FileMigration,
  type KeyMigrationOptions,
  type MigrationOutcome,
  migrateKeyMaterial,
} from './keys/key-migration.js'
export type { KmsAdapter, KmsAdapterSettings } from './keys/kms-adapter.js'
export {
  DEFAULT_KMS_VALUE,
  type KmsClient,
  type KmsClientFactory,
  type KmsConnectionConfig,
  kmsConnectionConfig,
} from './keys/kms-client.js'
export { decryptKeyLocally, encryptKeyLocally } from './keys/local-wrap.js'
export { isTransientNetworkCode, networkErrorCode } from './keys/network-errors.js'
export { readResponseBody } from './keys/response-body.js'
export { type RetryOptions, withRetry } from './keys/retry.js'
export { readSecretFile, resolveSecretReference } from './keys/secret-reference.js'
export { TLS_SETTINGS, type TlsClientOptions, tlsClientOptions } from './keys/tls-settings.js'
export { combineKeyRetrievers, type DecryptionProperties, type KeyRetriever } from './read/decryption-properties.js'
export { keyListRetriever, parseKeyList } from './read/key-list.js'
export { type ColumnEncryption, type FileEncryption, ParquetFile, type SignatureState } from './read/parquet-file.js'
export {
  type ColumnBatch,
  type Columns,
  type ColumnsOptions,
  type RowGroupBatch,
  readColumnGroups,
  readColumns,
} from './read/read-columns.js'
export { type ReadOptions, type Row, readParquet, readParquetRowGroups } from './read/read-parquet.js'
export { type DecryptFileOptions, decryptFile } from './transform/decrypt-file.js'
export { type EncryptFileOptions, encryptFile } from './transform/encrypt-file.js'
export { parseColumnKeys } from './write/column-keys-string.js'
export type { EncryptionProperties, KeySpec } from './write/encryption-properties.js'
export {
  type ColumnData,
  ParquetFileWriter,
  type SchemaElement,
  type WriteOptions,
  writeParquet,
} from './write/parquet-writer.js'
