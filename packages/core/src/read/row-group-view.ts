import { concatBytes } from '../crypto/aes.js'
import { MAGIC_LENGTH } from '../format/file-tail.js'
import {
  firstDataPageOffset,
  PAR1_BYTES,
  placeholderColumnChunk,
  plaintextColumnChunk,
  plaintextFileMetaData,
  plaintextFooterBytes,
} from '../format/plaintext-footer.js'
import type { ColumnChunk } from '../thrift/parquet-structs.js'
import { readPlainChunk } from './column-chunk.js'
import type { ParquetFile } from './parquet-file.js'

/**
 * A plaintext, single-row-group Parquet file holding the chosen columns of one row group; the other
 * columns are zero-length stand-ins. Every chunk in it was authenticated before it was built, so a
 * plain Parquet reader (hyparquet) can decode it without knowing about encryption.
 */
export async function rowGroupView(
  file: ParquetFile,
  rowGroupIndex: number,
  columns: ReadonlySet<number>,
): Promise<Uint8Array> {
  const rowGroup = file.rowGroup(rowGroupIndex)
  const parts: Uint8Array[] = [PAR1_BYTES]
  let offset = MAGIC_LENGTH
  const chunks: ColumnChunk[] = []
  for (let columnIndex = 0; columnIndex < rowGroup.columns.length; columnIndex++) {
    if (!columns.has(columnIndex)) {
      chunks.push(placeholderColumnChunk(file.leaf(columnIndex)))
      continue
    }
    const meta = await file.columnMetaData(rowGroupIndex, columnIndex)
    const plain = await readPlainChunk(file, rowGroupIndex, columnIndex, meta)
    const placement = {
      start: offset,
      length: plain.bytes.length,
      hasDictionary: plain.hasDictionary,
      firstDataPageOffset: firstDataPageOffset(offset, plain),
    }
    chunks.push(plaintextColumnChunk(file.chunk(rowGroupIndex, columnIndex), meta, placement))
    parts.push(plain.bytes)
    offset += plain.bytes.length
  }
  const viewRowGroup = {
    ...rowGroup,
    columns: chunks,
    file_offset: MAGIC_LENGTH,
    total_compressed_size: offset - MAGIC_LENGTH,
  }
  parts.push(plaintextFooterBytes(plaintextFileMetaData(file.metadata, [viewRowGroup])))
  return concatBytes(parts)
}
