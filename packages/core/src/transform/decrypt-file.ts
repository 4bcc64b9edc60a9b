import { NotEncryptedError } from '../errors.js'
import type { ParquetSource } from '../io/byte-source.js'
import type { DecryptionProperties } from '../read/decryption-properties.js'
import { ParquetFile } from '../read/parquet-file.js'
import { rewriteFile } from './rewrite-file.js'

export interface DecryptFileOptions extends DecryptionProperties {
  /** Name used in errors when the source is not a path. */
  name?: string
}

/** Decrypts an encrypted Parquet file into a plaintext one (see rewriteFile). */
export async function decryptFile(
  input: ParquetSource,
  output: string,
  options: DecryptFileOptions = {},
): Promise<void> {
  const file = await ParquetFile.open(input, options, options.name ? { name: options.name } : {})
  if (!file.encryption)
    throw new NotEncryptedError('the file is not encrypted: nothing to decrypt', { file: file.name })
  await rewriteFile(file, output, undefined)
}
