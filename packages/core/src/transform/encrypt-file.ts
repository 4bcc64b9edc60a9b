import type { ParquetSource } from '../io/byte-source.js'
import type { DecryptionProperties } from '../read/decryption-properties.js'
import { ParquetFile } from '../read/parquet-file.js'
import type { EncryptionProperties } from '../write/encryption-properties.js'
import { rewriteFile } from './rewrite-file.js'

export interface EncryptFileOptions {
  /** To re-encrypt a file that is already encrypted: how to decrypt it first. */
  decryption?: DecryptionProperties
  /** Name used in errors when the source is not a path. */
  name?: string
}

/**
 * Encrypts an existing Parquet file, from any writer, module by module: pages are encrypted without
 * being decoded (V2 pages with levels of encrypted columns are re-framed as V1, see encrypt-chunk.ts),
 * page indexes and bloom filters are encrypted with their column's key. The output appears atomically.
 */
export async function encryptFile(
  input: ParquetSource,
  output: string,
  encryption: EncryptionProperties,
  options: EncryptFileOptions = {},
): Promise<void> {
  const file = await ParquetFile.open(input, options.decryption, options.name ? { name: options.name } : {})
  await rewriteFile(file, output, encryption)
}
