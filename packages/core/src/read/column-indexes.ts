import { ModuleType, moduleName } from '../crypto/aad.js'
import { concatBytes } from '../crypto/aes.js'
import { IntegrityError, MalformedFileError, PmeError } from '../errors.js'
import {
  type BloomFilterHeader,
  BloomFilterHeaderDef,
  ColumnIndexDef,
  type ColumnMetaData,
  type OffsetIndex,
  OffsetIndexDef,
} from '../thrift/parquet-structs.js'
import { decodeStruct } from '../thrift/struct-codec.js'
import type { ParquetFile } from './parquet-file.js'

/*
 * The page index (column index, offset index) and the bloom filter of a column chunk, in plaintext.
 * Encrypted columns keep each of them in GCM modules under the column's key (pme-reference §5).
 */

interface ModuleReader {
  file: ParquetFile
  rowGroup: number
  column: number
  key: Uint8Array | undefined
}

/** Decrypts the module at `offset`; returns its plaintext and its on-disk size. */
async function readModule(
  at: ModuleReader,
  offset: number,
  type: ModuleType,
): Promise<{ plaintext: Uint8Array; size: number }> {
  const { file } = at
  const what = moduleName(type)
  if (offset < 0 || offset + 4 > file.source.byteLength) {
    throw new MalformedFileError(`${what} module starts outside the file`)
  }
  const prefix = await file.source.read(offset, offset + 4)
  const size = 4 + new DataView(prefix.buffer, prefix.byteOffset, 4).getUint32(0, true)
  if (offset + size > file.source.byteLength)
    throw new MalformedFileError(`${what} module runs past the end of the file`)
  const module = await file.source.read(offset, offset + size)
  if (!file.decryptor || !at.key) throw new MalformedFileError('module read on a plaintext column')
  const plaintext = file.decryptor.decrypt(
    module,
    at.key,
    type,
    { rowGroup: file.rowGroupOrdinal(at.rowGroup), column: at.column },
    { rowGroup: at.rowGroup, column: file.leaf(at.column).dotPath },
  )
  return { plaintext, size }
}

async function readRegion(file: ParquetFile, offset: number, length: number | undefined): Promise<Uint8Array> {
  const end = length === undefined ? file.source.byteLength : offset + length
  if (offset < 0 || end > file.source.byteLength) throw new MalformedFileError('index runs past the end of the file')
  return file.source.read(offset, end)
}

async function withLocation<T>(file: ParquetFile, rowGroup: number, column: number, run: () => Promise<T>): Promise<T> {
  try {
    return await run()
  } catch (error) {
    if (PmeError.is(error)) {
      throw error.at({ file: file.name, rowGroup, column: file.leaf(column).dotPath })
    }
    throw error
  }
}

async function moduleReader(file: ParquetFile, rowGroup: number, column: number): Promise<ModuleReader> {
  return { file, rowGroup, column, key: await file.columnKey(rowGroup, column) }
}

/** Reads and parses a page index structure: decrypted for encrypted columns, as stored otherwise. */
function readPageIndex<T>(
  file: ParquetFile,
  rowGroup: number,
  column: number,
  region: { offset: number | undefined; length: number | undefined; type: ModuleType },
  parse: (bytes: Uint8Array) => T,
): Promise<T | undefined> {
  const { offset, length, type } = region
  if (offset === undefined) return Promise.resolve(undefined)
  return withLocation(file, rowGroup, column, async () => {
    const at = await moduleReader(file, rowGroup, column)
    return parse(at.key ? (await readModule(at, offset, type)).plaintext : await readRegion(file, offset, length))
  })
}

/** The ColumnIndex as serialized Thrift (padding removed), or undefined when the chunk has none. */
export function readColumnIndexBytes(
  file: ParquetFile,
  rowGroup: number,
  column: number,
): Promise<Uint8Array | undefined> {
  const chunk = file.chunk(rowGroup, column)
  const region = { offset: chunk.column_index_offset, length: chunk.column_index_length, type: ModuleType.ColumnIndex }
  return readPageIndex(file, rowGroup, column, region, (bytes) =>
    bytes.subarray(0, decodeStruct(ColumnIndexDef, bytes).end),
  )
}

export function readOffsetIndex(file: ParquetFile, rowGroup: number, column: number): Promise<OffsetIndex | undefined> {
  const chunk = file.chunk(rowGroup, column)
  const region = { offset: chunk.offset_index_offset, length: chunk.offset_index_length, type: ModuleType.OffsetIndex }
  return readPageIndex(
    file,
    rowGroup,
    column,
    region,
    (bytes) => decodeStruct<OffsetIndex>(OffsetIndexDef, bytes).value,
  )
}

/** The plaintext bloom filter (header + bitset) at the start of `region`. */
function plaintextBloomFilter(region: Uint8Array): Uint8Array {
  const { value: header, end } = decodeStruct<BloomFilterHeader>(BloomFilterHeaderDef, region)
  if (header.numBytes < 0 || end + header.numBytes > region.length) {
    throw new MalformedFileError('bloom filter runs past its region')
  }
  return region.subarray(0, end + header.numBytes)
}

/**
 * An encrypted column's bloom filter that is not a module: arrow-rs (60 and earlier) writes the
 * filters of encrypted columns unencrypted, against the spec. It cannot be authenticated, so it is
 * left out with a warning, or refused under `strict`. Anything else fails as the module error it was.
 */
async function unencryptedBloomFilter(at: ModuleReader, offset: number, meta: ColumnMetaData, moduleError: unknown) {
  const isFilter = await readRegion(at.file, offset, meta.bloom_filter_length)
    .then(plaintextBloomFilter)
    .then(
      () => true,
      () => false,
    )
  const moduleFailed = moduleError instanceof MalformedFileError || moduleError instanceof IntegrityError
  if (!isFilter || !moduleFailed || !at.file.decryptor) throw moduleError
  const column = at.file.leaf(at.column).dotPath
  at.file.decryptor.leaveOut(
    `the bloom filter of encrypted column ${column} is stored unencrypted (as arrow-rs writes them) and cannot be authenticated`,
    { rowGroup: at.rowGroup, column },
  )
  return undefined
}

/** The bloom filter as plaintext header + bitset, or undefined when the chunk has none. */
export function readBloomFilterBytes(
  file: ParquetFile,
  rowGroup: number,
  column: number,
  meta: ColumnMetaData,
): Promise<Uint8Array | undefined> {
  const offset = meta.bloom_filter_offset
  if (offset === undefined) return Promise.resolve(undefined)
  return withLocation(file, rowGroup, column, async () => {
    const at = await moduleReader(file, rowGroup, column)
    if (at.key) {
      try {
        // The bitset module follows the header module directly.
        const header = await readModule(at, offset, ModuleType.BloomFilterHeader)
        const { end } = decodeStruct<BloomFilterHeader>(BloomFilterHeaderDef, header.plaintext)
        const bitset = await readModule(at, offset + header.size, ModuleType.BloomFilterBitset)
        return concatBytes([header.plaintext.subarray(0, end), bitset.plaintext])
      } catch (error) {
        return unencryptedBloomFilter(at, offset, meta, error)
      }
    }
    return plaintextBloomFilter(await readRegion(file, offset, meta.bloom_filter_length))
  })
}
