import { type ParquetParsers, parquetMetadata, parquetSchema, type SchemaTree } from 'hyparquet'
import { readColumn } from 'hyparquet/src/column.js'
import { CompressionCodecs } from 'hyparquet/src/constants.js'
import { DEFAULT_PARSERS } from 'hyparquet/src/convert.js'
import type { DecodedArray } from 'hyparquet/src/types.js'
import { MalformedFileError, PmeError } from '../errors.js'
import { PAR1_BYTES, plaintextFileMetaData, plaintextFooterBytes } from '../format/plaintext-footer.js'
import { decompressors } from '../pages/codecs.js'
import type { ColumnMetaData } from '../thrift/parquet-structs.js'
import type { PlainChunk } from './column-chunk.js'
import type { ParquetFile } from './parquet-file.js'

export type { DecodedArray, SchemaTree }

export interface DecodeOptions {
  /** Decode BYTE_ARRAY columns as UTF-8 strings when annotated so (hyparquet's default: true). */
  utf8?: boolean
  /** hyparquet value parsers (timestamps, dates, strings...), merged over its defaults. */
  parsers?: Partial<ParquetParsers>
}

/**
 * The file's schema as hyparquet's decoders take it. It is parsed from a plaintext footer that holds
 * only the schema: this library's footer is already decrypted and decoded, and hyparquet has its own
 * (string-enum) form of the same structures.
 */
export function hyparquetSchema(file: ParquetFile): SchemaTree {
  const footer = plaintextFooterBytes(plaintextFileMetaData(file.metadata, []))
  const bytes = new Uint8Array(PAR1_BYTES.length + footer.length)
  bytes.set(PAR1_BYTES)
  bytes.set(footer, PAR1_BYTES.length)
  try {
    return parquetSchema(parquetMetadata(bytes.buffer))
  } catch (error) {
    throw new MalformedFileError(`cannot decode the schema: ${(error as Error).message}`, { file: file.name })
  }
}

/** The schema nodes from the root down to a leaf. */
export function schemaPathOf(root: SchemaTree, path: readonly string[]): SchemaTree[] {
  const nodes = [root]
  let node = root
  for (const name of path) {
    const child = node.children.find((candidate) => candidate.element.name === name)
    if (!child) throw new MalformedFileError(`schema has no node ${path.join('.')}`)
    nodes.push(child)
    node = child
  }
  return nodes
}

/**
 * Decodes one authenticated plaintext column chunk into its values, one array per page run (hyparquet's
 * page decoder: levels, dictionaries, encodings, and list assembly of this one leaf).
 */
export function decodeChunk(
  chunk: PlainChunk,
  meta: ColumnMetaData,
  schemaPath: SchemaTree[],
  rows: { readonly group: number; readonly wanted: number },
  options: DecodeOptions,
): DecodedArray[] {
  const leaf = schemaPath[schemaPath.length - 1] as SchemaTree
  const codec = CompressionCodecs[meta.codec]
  if (!codec) throw new MalformedFileError(`unknown compression codec ${meta.codec}`)
  const decoder = {
    pathInSchema: leaf.path,
    element: leaf.element,
    schemaPath,
    type: leaf.element.type ?? 'BYTE_ARRAY',
    codec,
    // The bounded decompressors: a page header's size limits what a codec may produce.
    compressors: decompressors,
    parsers: { ...DEFAULT_PARSERS, ...options.parsers },
    ...(options.utf8 === undefined ? {} : { utf8: options.utf8 }),
  }
  const { bytes } = chunk
  const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 }
  try {
    // A flat column stops after the page that holds the last wanted row; a nested one is read whole.
    const select = { groupStart: 0, selectStart: 0, selectEnd: rows.wanted, groupRows: rows.group }
    return readColumn(reader, select, decoder).data
  } catch (error) {
    if (PmeError.is(error)) throw error
    throw new MalformedFileError(`cannot decode the data: ${(error as Error).message}`)
  }
}
