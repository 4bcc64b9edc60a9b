export { type ColumnReport, type FileReport, inspectFile, type KeyMetadataView } from './api/inspect-file.js'
export type { Algorithm } from './crypto/module-cipher.js'
export {
  AadPrefixError,
  type ErrorLocation,
  IntegrityError,
  InvalidKeyError,
  MalformedFileError,
  MissingKeyError,
  NotEncryptedError,
  PmeError,
  type PmeErrorCode,
  UnsupportedError,
  UsageError,
} from './errors.js'
export type { AsyncBufferLike, ByteSource, ParquetSource } from './io/byte-source.js'
export type { DecryptionProperties, KeyRetriever } from './read/decryption-properties.js'
export { keyListRetriever, parseKeyList } from './read/key-list.js'
export { type ColumnEncryption, type FileEncryption, ParquetFile, type SignatureState } from './read/parquet-file.js'
export { type ReadOptions, type Row, readParquet, readParquetRowGroups } from './read/read-parquet.js'
export { type DecryptFileOptions, decryptFile } from './transform/decrypt-file.js'
