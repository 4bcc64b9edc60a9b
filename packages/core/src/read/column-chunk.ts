import { ModuleType } from '../crypto/aad.js'
import { concatBytes } from '../crypto/aes.js'
import { moduleSize } from '../crypto/module-cipher.js'
import { type ErrorLocation, IntegrityError, MalformedFileError, PmeError, UnsupportedError } from '../errors.js'
import { ChunkBuilder, type PageSpan, readPlainPage } from '../format/chunk-builder.js'
import { chunkRange } from '../format/chunk-range.js'
import { crc32 } from '../format/crc32.js'
import { DICTIONARY_HEADER_PADDING, undercountsDictionaryHeaders } from '../format/dictionary-header-padding.js'
import { type ColumnMetaData, type PageHeader, PageHeaderDef, PageType } from '../thrift/parquet-structs.js'
import { decodeStruct, encodeStruct } from '../thrift/struct-codec.js'
import type { FileDecryptor } from './file-decryptor.js'
import type { ParquetFile } from './parquet-file.js'

/** A column chunk in plaintext Parquet framing: page headers and pages, nothing encrypted. */
export interface PlainChunk {
  readonly bytes: Uint8Array
  readonly hasDictionary: boolean
  /** Where each data page is within `bytes`: what an OffsetIndex lists. */
  readonly dataPages: readonly PageSpan[]
}

interface PageContext {
  readonly decryptor: FileDecryptor
  readonly key: Uint8Array
  readonly rowGroupOrdinal: number
  readonly columnOrdinal: number
  readonly location: ErrorLocation
}

/**
 * A page's CRC covers its body as stored (encrypted bytes in an encrypted file). A mismatch fails the
 * read: rewriting such a page would give a corrupt page a valid CRC, or an authentication tag.
 */
function checkPageCrc(header: PageHeader, body: Uint8Array, location: ErrorLocation): void {
  if (header.crc !== undefined && crc32(body) !== header.crc) {
    throw new IntegrityError('page CRC does not match its bytes: the page is corrupt', location)
  }
}

function pageModuleType(header: PageHeader, location: ErrorLocation): ModuleType {
  switch (header.type) {
    case PageType.DataPage:
    case PageType.DataPageV2:
      return ModuleType.DataPage
    case PageType.DictionaryPage:
      return ModuleType.DictionaryPage
    default:
      throw new UnsupportedError(`page type ${header.type} cannot be decrypted`, location)
  }
}

/**
 * The body of a DATA_PAGE_V2 with levels. Arrow C++ and arrow-rs encrypt levels and values as one
 * module; parquet-java leaves the levels in plaintext and encrypts only the values (pme-reference §5).
 * The Arrow framing is recognised by a module length that fills the whole page.
 */
function decryptV2Body(body: Uint8Array, header: PageHeader, ctx: PageContext, ordinals: object): Uint8Array {
  const v2 = header.data_page_header_v2
  const levels = v2 ? v2.definition_levels_byte_length + v2.repetition_levels_byte_length : 0
  // Not moduleSize(): in the Java framing the first bytes are levels, and may claim any length.
  const wholePage =
    body.length >= 4 && 4 + new DataView(body.buffer, body.byteOffset, 4).getUint32(0, true) === body.length
  if (levels === 0 || wholePage) {
    return ctx.decryptor.decrypt(body, ctx.key, ModuleType.DataPage, ordinals, ctx.location)
  }
  if (levels > body.length) throw new MalformedFileError('V2 page levels are longer than the page', ctx.location)
  const values = ctx.decryptor.decrypt(body.subarray(levels), ctx.key, ModuleType.DataPage, ordinals, ctx.location)
  return concatBytes([body.subarray(0, levels), values])
}

function decryptPages(encrypted: Uint8Array, hasDictionary: boolean, ctx: PageContext): PlainChunk {
  const out = new ChunkBuilder()
  let position = 0
  let pageOrdinal = 0
  while (position < encrypted.length) {
    const isDictionary = hasDictionary && position === 0
    const page = isDictionary ? undefined : pageOrdinal
    const location = { ...ctx.location, ...(page === undefined ? {} : { page }) }
    const ordinals = { rowGroup: ctx.rowGroupOrdinal, column: ctx.columnOrdinal, page: pageOrdinal }
    const headerSize = moduleSize(encrypted, position)
    const headerType = isDictionary ? ModuleType.DictionaryPageHeader : ModuleType.DataPageHeader
    const headerModule = encrypted.subarray(position, position + headerSize)
    const headerBytes = ctx.decryptor.decrypt(headerModule, ctx.key, headerType, ordinals, location)
    const header = decodeStruct<PageHeader>(PageHeaderDef, headerBytes).value
    if ((header.type === PageType.DictionaryPage) !== isDictionary) {
      throw new MalformedFileError(`unexpected page type ${header.type} at this position`, location)
    }
    const bodyStart = position + headerSize
    const bodyEnd = bodyStart + header.compressed_page_size
    if (header.compressed_page_size < 0 || bodyEnd > encrypted.length) {
      throw new MalformedFileError('page runs past the end of its column chunk', location)
    }
    const body = encrypted.subarray(bodyStart, bodyEnd)
    checkPageCrc(header, body, location)
    const moduleType = pageModuleType(header, location)
    const plain =
      header.type === PageType.DataPageV2
        ? decryptV2Body(body, header, { ...ctx, location }, ordinals)
        : ctx.decryptor.decrypt(body, ctx.key, moduleType, ordinals, location)
    const plainHeader = encodeStruct(PageHeaderDef, {
      ...header,
      compressed_page_size: plain.length,
      crc: header.crc === undefined ? undefined : crc32(plain),
    })
    out.add(plainHeader, plain, !isDictionary)
    if (!isDictionary) pageOrdinal++
    position = bodyEnd
  }
  return { bytes: out.bytes(), hasDictionary, dataPages: out.dataPages }
}

/**
 * Walks a plaintext chunk's page headers to list its data pages. Whether it starts with a dictionary
 * page is read from the first header: older parquet-mr writers leave dictionary_page_offset unset and
 * point data_page_offset at the dictionary page (parquet-testing nested_lists.snappy.parquet).
 */
function plainPages(bytes: Uint8Array, location: ErrorLocation, padded?: { numValues: number }): PlainChunk {
  const dataPages: PageSpan[] = []
  let hasDictionary = false
  let position = 0
  let values = 0
  while (position < bytes.length) {
    // A padded chunk (dictionary-header-padding.ts) ends after its last value, not at the padding's end.
    if (padded && values >= padded.numValues && dataPages.length > 0) break
    const { header, body, end: next } = readPlainPage(bytes, position, location)
    checkPageCrc(header, body, { ...location, page: dataPages.length })
    if (header.type !== PageType.DictionaryPage) dataPages.push({ offset: position, size: next - position })
    else if (position === 0) hasDictionary = true
    values += header.data_page_header?.num_values ?? header.data_page_header_v2?.num_values ?? 0
    position = next
  }
  return { bytes: bytes.subarray(0, position), hasDictionary, dataPages }
}

/**
 * A row group's row count against a chunk's value count, before a decoder sizes its rows by either: a
 * column that is not repeated holds one value (or null) per row, a repeated one at least one per row.
 */
function checkValueCount(rows: number, values: number, maxRepetitionLevel: number, location: ErrorLocation): void {
  const consistent = rows >= 0 && (maxRepetitionLevel === 0 ? values === rows : values >= rows)
  if (!consistent) {
    throw new MalformedFileError(`the row group has ${rows} rows, the column chunk ${values} values`, location)
  }
}

/**
 * Reads one column chunk and returns it in plaintext framing. Encrypted chunks are decrypted and
 * authenticated in full before anything is returned.
 */
export async function readPlainChunk(
  file: ParquetFile,
  rowGroupIndex: number,
  columnIndex: number,
  meta: ColumnMetaData,
): Promise<PlainChunk> {
  const leaf = file.leaf(columnIndex)
  const column = leaf.dotPath
  const location = { file: file.name, rowGroup: rowGroupIndex, column }
  checkValueCount(file.rowGroup(rowGroupIndex).num_rows, meta.num_values, leaf.maxRepetitionLevel, location)
  const range = chunkRange(meta)
  if (range.end > file.source.byteLength) {
    throw new MalformedFileError('column chunk runs past the end of the file', location)
  }
  const key = await file.columnKey(rowGroupIndex, columnIndex).catch((error: unknown) => {
    throw PmeError.is(error) ? error.at(location) : error
  })
  const padded = !key && undercountsDictionaryHeaders(file.metadata.created_by)
  const end = padded ? Math.min(file.source.byteLength, range.end + DICTIONARY_HEADER_PADDING) : range.end
  const bytes = await file.source.read(range.start, end)
  try {
    if (!key || !file.decryptor) return plainPages(bytes, location, padded ? { numValues: meta.num_values } : undefined)
    const ctx = {
      decryptor: file.decryptor,
      key,
      rowGroupOrdinal: file.rowGroupOrdinal(rowGroupIndex),
      columnOrdinal: columnIndex,
      location,
    }
    return decryptPages(bytes, range.hasDictionary, ctx)
  } catch (error) {
    if (PmeError.is(error)) throw error.at(location)
    throw error
  }
}
