import { type ModuleOrdinals, ModuleType } from '../crypto/aad.js'
import type { ErrorLocation } from '../errors.js'
import { ChunkBuilder, readPlainPage } from '../format/chunk-builder.js'
import { crc32 } from '../format/crc32.js'
import type { LeafColumn } from '../format/schema.js'
import { toV1Page } from '../pages/v1-page.js'
import type { PlainChunk } from '../read/column-chunk.js'
import { type ColumnMetaData, type PageHeader, PageHeaderDef, PageType } from '../thrift/parquet-structs.js'
import { encodeStruct } from '../thrift/struct-codec.js'
import type { FileEncryptor } from './file-encryptor.js'

export interface ChunkEncryption {
  readonly encryptor: FileEncryptor
  readonly key: Uint8Array
  readonly leaf: LeafColumn
  readonly ordinals: { rowGroup: number; column: number }
  readonly location: ErrorLocation
}

export interface EncryptedChunk extends PlainChunk {
  /** The metadata adjusted for pages that were re-framed (V2 with levels -> V1). */
  readonly meta: ColumnMetaData
}

const RLE = 3

/**
 * Parquet-java and Arrow frame an encrypted DATA_PAGE_V2 with levels differently (pme-reference §5);
 * both read V1. Pages without levels are the same in both framings and stay V2.
 */
function needsV1(header: PageHeader, leaf: LeafColumn): boolean {
  return header.type === PageType.DataPageV2 && (leaf.maxDefinitionLevel > 0 || leaf.maxRepetitionLevel > 0)
}

/** The metadata of a chunk whose V2 pages became V1 pages. */
export function reframedMeta(meta: ColumnMetaData, uncompressedDelta: number): ColumnMetaData {
  return {
    ...meta,
    encodings: meta.encodings.includes(RLE) ? meta.encodings : [...meta.encodings, RLE],
    total_uncompressed_size: meta.total_uncompressed_size + uncompressedDelta,
    encoding_stats: meta.encoding_stats?.map((stats) =>
      stats.page_type === PageType.DataPageV2 ? { ...stats, page_type: PageType.DataPage } : stats,
    ),
  }
}

/**
 * Encrypts a plaintext column chunk page by page: each page body becomes a module (CTR or GCM by the
 * algorithm), each header a GCM module; sizes and CRCs describe the encrypted bytes, as the spec says.
 */
export function encryptChunk(plain: PlainChunk, meta: ColumnMetaData, ctx: ChunkEncryption): EncryptedChunk {
  const out = new ChunkBuilder()
  let position = 0
  let pageOrdinal = 0
  let uncompressedDelta = 0
  let reframed = false
  const { bytes } = plain
  while (position < bytes.length) {
    const page = readPlainPage(bytes, position, ctx.location)
    let { header, body } = page
    if (needsV1(header, ctx.leaf)) {
      const v1 = toV1Page(header, body, meta.codec, ctx.leaf)
      uncompressedDelta += v1.header.uncompressed_page_size - header.uncompressed_page_size
      header = v1.header
      body = v1.body
      reframed = true
    }
    const isDictionary = header.type === PageType.DictionaryPage
    const ordinals: ModuleOrdinals = { ...ctx.ordinals, page: pageOrdinal }
    const pageType = isDictionary ? ModuleType.DictionaryPage : ModuleType.DataPage
    const encryptedBody = ctx.encryptor.encrypt(body, ctx.key, pageType, ordinals)
    const headerPlain = encodeStruct(PageHeaderDef, {
      ...header,
      compressed_page_size: encryptedBody.length,
      crc: header.crc === undefined ? undefined : crc32(encryptedBody),
    })
    const headerType = isDictionary ? ModuleType.DictionaryPageHeader : ModuleType.DataPageHeader
    const encryptedHeader = ctx.encryptor.encrypt(headerPlain, ctx.key, headerType, ordinals)
    out.add(encryptedHeader, encryptedBody, !isDictionary)
    if (!isDictionary) pageOrdinal++
    position = page.end
  }
  return {
    bytes: out.bytes(),
    hasDictionary: plain.hasDictionary,
    dataPages: out.dataPages,
    meta: reframed ? reframedMeta(meta, uncompressedDelta) : meta,
  }
}
