import { writeFileAtomic } from '../io/atomic-write.js'
import type { ParquetFile } from '../read/parquet-file.js'
import type { EncryptionProperties } from '../write/encryption-properties.js'
import { ParquetSink } from '../write/parquet-sink.js'
import { readPlainRowGroup } from './plain-row-group.js'

/**
 * Rewrites a file module by module: every row group is read in plaintext (decrypted and authenticated
 * when the source is encrypted) and written plain or encrypted. Pages are never decoded, so values,
 * statistics, page indexes and bloom filters are kept. The output appears atomically.
 */
export async function rewriteFile(
  file: ParquetFile,
  output: string,
  encryption: EncryptionProperties | undefined,
): Promise<void> {
  await writeFileAtomic(output, async (append) => {
    const sink = await ParquetSink.start(append, file.leaves, encryption)
    for (let rowGroup = 0; rowGroup < file.metadata.row_groups.length; rowGroup++) {
      await sink.writeRowGroup(await readPlainRowGroup(file, rowGroup))
    }
    await sink.finish(file.metadata)
  })
}
