import type { ErrorLocation } from '../errors.js'
import { ChunkBuilder, readPlainPage } from '../format/chunk-builder.js'
import type { LeafColumn } from '../format/schema.js'
import { CompressionCodec, compress } from '../pages/codecs.js'
import { toV1Page } from '../pages/v1-page.js'
import { type ColumnMetaData, type PageHeader, PageHeaderDef, PageType } from '../thrift/parquet-structs.js'
import { encodeStruct } from '../thrift/struct-codec.js'
import type { PlainColumnChunk } from '../transform/plain-row-group.js'
import { reframedMeta } from './encrypt-chunk.js'

/** One page of an uncompressed chunk, compressed (and, when asked, re-framed as V1). */
function compressPage(
  header: PageHeader,
  body: Uint8Array,
  codec: number,
  v1: LeafColumn | undefined,
): { header: PageHeader; body: Uint8Array } {
  const v2 = header.data_page_header_v2
  if (header.type === PageType.DataPageV2 && v2) {
    if (v1) return toV1Page(header, body, CompressionCodec.UNCOMPRESSED, v1, codec)
    // V2 keeps its levels uncompressed in front of the values.
    const levels = v2.definition_levels_byte_length + v2.repetition_levels_byte_length
    const values = compress(codec, body.subarray(levels))
    const out = new Uint8Array(levels + values.length)
    out.set(body.subarray(0, levels))
    out.set(values, levels)
    const isCompressed = codec !== CompressionCodec.UNCOMPRESSED
    return {
      header: {
        ...header,
        compressed_page_size: out.length,
        data_page_header_v2: { ...v2, is_compressed: isCompressed },
      },
      body: out,
    }
  }
  const compressed = compress(codec, body)
  return { header: { ...header, compressed_page_size: compressed.length }, body: compressed }
}

/**
 * Compresses a chunk that hyparquet-writer wrote uncompressed. The pages of a column that is going
 * to be encrypted and has levels become DATA_PAGE (V1) here, in the same single compression pass:
 * encryptChunk would otherwise decompress and recompress them to re-frame them (pme-reference §5).
 */
export function compressChunk(
  input: PlainColumnChunk,
  codec: number,
  v1: LeafColumn | undefined,
  location: ErrorLocation,
): PlainColumnChunk {
  const out = new ChunkBuilder()
  const { bytes } = input.plain
  let position = 0
  let uncompressedDelta = 0
  let reframed = false
  while (position < bytes.length) {
    const page = readPlainPage(bytes, position, location)
    const written = compressPage(page.header, page.body, codec, v1)
    if (written.header.type !== page.header.type) {
      reframed = true
      uncompressedDelta += written.header.uncompressed_page_size - page.header.uncompressed_page_size
    }
    const isData = written.header.type !== PageType.DictionaryPage
    out.add(encodeStruct(PageHeaderDef, written.header), written.body, isData)
    position = page.end
  }
  const meta: ColumnMetaData = { ...input.meta, codec }
  return {
    ...input,
    meta: reframed ? reframedMeta(meta, uncompressedDelta) : meta,
    plain: { bytes: out.bytes(), hasDictionary: input.plain.hasDictionary, dataPages: out.dataPages },
  }
}
