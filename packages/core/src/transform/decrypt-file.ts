import { MalformedFileError, NotEncryptedError } from '../errors.js'
import { MAGIC_LENGTH } from '../format/file-tail.js'
import {
  type ChunkPlacement,
  PAR1_BYTES,
  plaintextColumnChunk,
  plaintextFileMetaData,
  plaintextFooterBytes,
} from '../format/plaintext-footer.js'
import { type Append, writeFileAtomic } from '../io/atomic-write.js'
import type { ParquetSource } from '../io/byte-source.js'
import { type PlainChunk, readPlainChunk } from '../read/column-chunk.js'
import { readBloomFilterBytes, readColumnIndexBytes, readOffsetIndex } from '../read/column-indexes.js'
import type { DecryptionProperties } from '../read/decryption-properties.js'
import { ParquetFile } from '../read/parquet-file.js'
import { type ColumnMetaData, type OffsetIndex, OffsetIndexDef, type RowGroup } from '../thrift/parquet-structs.js'
import { encodeStruct } from '../thrift/struct-codec.js'

export interface DecryptFileOptions extends DecryptionProperties {
  /** Name used in errors when the source is not a path. */
  name?: string
}

/** What is kept of a chunk between writing its pages and writing the footer. */
interface WrittenChunk {
  meta: ColumnMetaData
  placement: ChunkPlacement
  columnIndex?: Uint8Array
  offsetIndex?: OffsetIndex
  bloomFilter?: Uint8Array
}

/** The offset index of the plaintext chunk: same pages and rows, new offsets and sizes. */
function relocateOffsetIndex(index: OffsetIndex, plain: PlainChunk, start: number, file: string): OffsetIndex {
  if (index.page_locations.length !== plain.dataPages.length) {
    throw new MalformedFileError(
      `offset index lists ${index.page_locations.length} pages, the chunk has ${plain.dataPages.length}`,
      { file },
    )
  }
  return {
    ...index,
    page_locations: index.page_locations.map((location, i) => {
      const page = plain.dataPages[i] as { offset: number; size: number }
      return { ...location, offset: start + page.offset, compressed_page_size: page.size }
    }),
  }
}

async function writeChunk(file: ParquetFile, rowGroup: number, column: number, append: Append): Promise<WrittenChunk> {
  const meta = await file.columnMetaData(rowGroup, column)
  const plain = await readPlainChunk(file, rowGroup, column, meta)
  const start = await append(plain.bytes)
  const offsetIndex = await readOffsetIndex(file, rowGroup, column)
  const columnIndex = await readColumnIndexBytes(file, rowGroup, column)
  const bloomFilter = await readBloomFilterBytes(file, rowGroup, column, meta)
  return {
    meta,
    placement: {
      start,
      length: plain.bytes.length,
      hasDictionary: plain.hasDictionary,
      firstDataPageOffset: start + (plain.dataPages[0]?.offset ?? 0),
    },
    ...(offsetIndex ? { offsetIndex: relocateOffsetIndex(offsetIndex, plain, start, file.name) } : {}),
    ...(columnIndex ? { columnIndex } : {}),
    ...(bloomFilter ? { bloomFilter } : {}),
  }
}

/** Writes bloom filters, then column indexes, then offset indexes, as parquet-java lays them out. */
async function writeIndexes(chunks: WrittenChunk[][], append: Append): Promise<void> {
  const region = async (bytes: Uint8Array) => ({ offset: await append(bytes), length: bytes.length })
  for (const chunk of chunks.flat()) {
    if (chunk.bloomFilter) chunk.placement = { ...chunk.placement, bloomFilter: await region(chunk.bloomFilter) }
  }
  for (const chunk of chunks.flat()) {
    if (chunk.columnIndex) chunk.placement = { ...chunk.placement, columnIndex: await region(chunk.columnIndex) }
  }
  for (const chunk of chunks.flat()) {
    if (chunk.offsetIndex) {
      const bytes = encodeStruct(OffsetIndexDef, chunk.offsetIndex)
      chunk.placement = { ...chunk.placement, offsetIndex: await region(bytes) }
    }
  }
}

/**
 * Decrypts an encrypted Parquet file into a plaintext one, module by module: pages are decrypted but
 * not decoded, so every value, statistic, page index and bloom filter is kept as written.
 * The output appears atomically; nothing is left behind on failure.
 */
export async function decryptFile(
  input: ParquetSource,
  output: string,
  options: DecryptFileOptions = {},
): Promise<void> {
  const file = await ParquetFile.open(input, options, options.name ? { name: options.name } : {})
  if (!file.encryption)
    throw new NotEncryptedError('the file is not encrypted: nothing to decrypt', { file: file.name })
  await writeFileAtomic(output, async (append) => {
    await append(PAR1_BYTES)
    const written: WrittenChunk[][] = []
    for (let rowGroup = 0; rowGroup < file.metadata.row_groups.length; rowGroup++) {
      const chunks: WrittenChunk[] = []
      for (let column = 0; column < file.rowGroup(rowGroup).columns.length; column++) {
        chunks.push(await writeChunk(file, rowGroup, column, append))
      }
      written.push(chunks)
    }
    await writeIndexes(written, append)
    const rowGroups: RowGroup[] = file.metadata.row_groups.map((rowGroup, r) => {
      const chunks = written[r] as WrittenChunk[]
      return {
        ...rowGroup,
        columns: rowGroup.columns.map((chunk, c) => {
          const done = chunks[c] as WrittenChunk
          return plaintextColumnChunk(chunk, done.meta, done.placement)
        }),
        file_offset: chunks[0]?.placement.start ?? MAGIC_LENGTH,
        total_compressed_size: chunks.reduce((sum, chunk) => sum + chunk.placement.length, 0),
      }
    })
    await append(plaintextFooterBytes(plaintextFileMetaData(file.metadata, rowGroups)))
  })
}
