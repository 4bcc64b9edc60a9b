import { MalformedFileError, UsageError } from '../errors.js'
import { type DataPageHeaderV2, type PageHeader, PageType } from '../thrift/parquet-structs.js'
import { UNKNOWN_FIELDS, type UnknownField } from '../thrift/struct-codec.js'
import { compress, decompress } from './codecs.js'

/** The level facts of a column a page belongs to, from its schema (LeafColumn has them). */
export interface ColumnLevels {
  readonly maxDefinitionLevel: number
  readonly maxRepetitionLevel: number
}

/** A page ready to be written: its header (no crc) and its body as stored. */
export interface Page {
  readonly header: PageHeader
  readonly body: Uint8Array
}

/** parquet.thrift Encoding.RLE: V1 levels are the same RLE/bit-packed hybrid as V2's, length-prefixed. */
const RLE = 3

/** PageHeader fields a V1 header sets itself or must not carry: crc, data_page_header(_v2). */
const REPLACED_FIELDS = new Set([4, 5, 8])

interface V2Sections {
  readonly repetition: Uint8Array
  readonly definition: Uint8Array
  readonly values: Uint8Array
}

function v2Header(header: PageHeader): DataPageHeaderV2 {
  if (header.type !== PageType.DataPageV2) {
    throw new UsageError(`only a DATA_PAGE_V2 can be re-framed as V1, got page type ${header.type}`)
  }
  if (!header.data_page_header_v2) throw new MalformedFileError('DATA_PAGE_V2 without its data_page_header_v2')
  return header.data_page_header_v2
}

/** Splits a stored V2 body into its level sections and its (decompressed) values. */
function v2Sections(header: PageHeader, v2: DataPageHeaderV2, body: Uint8Array, codec: number): V2Sections {
  const repetitionLength = v2.repetition_levels_byte_length
  const definitionLength = v2.definition_levels_byte_length
  const levelsLength = repetitionLength + definitionLength
  if (body.length !== header.compressed_page_size) {
    throw new MalformedFileError(`page body of ${body.length} bytes, its header says ${header.compressed_page_size}`)
  }
  if (repetitionLength < 0 || definitionLength < 0 || levelsLength > body.length) {
    throw new MalformedFileError('V2 page levels are longer than the page')
  }
  const valuesSize = header.uncompressed_page_size - levelsLength
  if (valuesSize < 0) throw new MalformedFileError('V2 page levels are longer than its uncompressed size')
  const stored = body.subarray(levelsLength)
  // is_compressed defaults to true: only an explicit false leaves the values uncompressed.
  const values = v2.is_compressed === false ? stored : decompress(codec, stored, valuesSize)
  if (values.length !== valuesSize) {
    throw new MalformedFileError(`V2 page values of ${values.length} bytes, its header says ${valuesSize}`)
  }
  return {
    repetition: body.subarray(0, repetitionLength),
    definition: body.subarray(repetitionLength, levelsLength),
    values,
  }
}

/**
 * The uncompressed V1 body: each level section the schema has, u32le length first, then the values.
 * A section whose maximum level is 0 is left out even when the V2 page has one: some writers encode
 * those all-zero levels anyway (parquet-testing rle_boolean_encoding.parquet), readers skip them, and
 * V1 has no place for them.
 */
function v1Body(sections: V2Sections, levels: ColumnLevels): Uint8Array {
  const parts: Uint8Array[] = []
  if (levels.maxRepetitionLevel > 0) parts.push(lengthPrefix(sections.repetition), sections.repetition)
  if (levels.maxDefinitionLevel > 0) parts.push(lengthPrefix(sections.definition), sections.definition)
  parts.push(sections.values)
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

function lengthPrefix(section: Uint8Array): Uint8Array {
  const prefix = new Uint8Array(4)
  new DataView(prefix.buffer).setUint32(0, section.length, true)
  return prefix
}

/** PageHeader fields this library does not name (a newer writer's) are kept, unless V1 replaces them. */
function keptUnknownFields(header: PageHeader): readonly UnknownField[] | undefined {
  const kept = header[UNKNOWN_FIELDS]?.filter((field) => !REPLACED_FIELDS.has(field.id))
  return kept && kept.length > 0 ? kept : undefined
}

/**
 * Re-frames one plaintext DATA_PAGE_V2 as an equivalent DATA_PAGE (V1): same values and levels, the
 * whole body compressed with the chunk's codec. V2 stores levels uncompressed and without length
 * prefixes; V1 prefixes each with its u32le length and compresses them with the values. The returned
 * header has no crc: the caller computes it over the bytes it finally writes (after encryption).
 * `outputCodec` differs from `codec` only for pages written uncompressed to be compressed here once.
 */
export function toV1Page(
  header: PageHeader,
  body: Uint8Array,
  codec: number,
  levels: ColumnLevels,
  outputCodec = codec,
): Page {
  const v2 = v2Header(header)
  const sections = v2Sections(header, v2, body, codec)
  const uncompressed = v1Body(sections, levels)
  const compressed = compress(outputCodec, uncompressed)
  const v1Header: PageHeader = {
    type: PageType.DataPage,
    uncompressed_page_size: uncompressed.length,
    compressed_page_size: compressed.length,
    data_page_header: {
      num_values: v2.num_values,
      encoding: v2.encoding,
      definition_level_encoding: RLE,
      repetition_level_encoding: RLE,
      statistics: v2.statistics,
    },
  }
  const unknown = keptUnknownFields(header)
  if (unknown) v1Header[UNKNOWN_FIELDS] = unknown
  return { header: v1Header, body: compressed }
}
