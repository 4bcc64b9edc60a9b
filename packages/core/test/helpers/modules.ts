import { moduleSize } from '../../src/crypto/module-cipher.js'
import { readFileTail } from '../../src/format/file-tail.js'
import { bufferSource } from '../../src/io/byte-source.js'
import type { DecryptionProperties } from '../../src/read/decryption-properties.js'
import { ParquetFile } from '../../src/read/parquet-file.js'
import { FileCryptoMetaDataDef } from '../../src/thrift/parquet-structs.js'
import { decodeStruct } from '../../src/thrift/struct-codec.js'

/*
 * Finds encrypted modules in a real file, with the library's own format helpers: the footer module
 * after FileCryptoMetaData, encrypted_column_metadata in a plaintext footer, the pages of a chunk by
 * walking module length prefixes, and the page index modules by their ColumnChunk offsets.
 */

export const MODULE_KINDS = [
  'footer',
  'column metadata',
  'dictionary page header',
  'dictionary page',
  'data page header',
  'data page',
  'column index',
  'offset index',
] as const
export type ModuleKind = (typeof MODULE_KINDS)[number]

/** A module's place in the file: offset of its length prefix and its size, prefix included. */
export interface ModuleSpan {
  readonly offset: number
  readonly size: number
}

async function footerModule(bytes: Uint8Array): Promise<ModuleSpan> {
  const tail = await readFileTail(bufferSource(bytes))
  if (!tail.encryptedFooter) throw new Error('the footer module exists only in PARE files')
  const { end } = decodeStruct(FileCryptoMetaDataDef, tail.footer)
  return { offset: tail.footerOffset + end, size: tail.footer.length - end }
}

/** The first occurrence of `needle` in `haystack`; encrypted_column_metadata is random, so it is unique. */
function find(haystack: Uint8Array, needle: Uint8Array): number {
  const at = Buffer.from(haystack.buffer, haystack.byteOffset, haystack.length).indexOf(needle)
  if (at < 0) throw new Error('bytes not found in the file')
  return at
}

/** The four modules of a chunk with a dictionary and one data page, in file order. */
function pageModules(bytes: Uint8Array, start: number): Record<string, ModuleSpan> {
  const spans: ModuleSpan[] = []
  let offset = start
  for (let i = 0; i < 4; i++) {
    const size = moduleSize(bytes, offset)
    spans.push({ offset, size })
    offset += size
  }
  const [dictionaryHeader, dictionary, dataHeader, data] = spans as [ModuleSpan, ModuleSpan, ModuleSpan, ModuleSpan]
  return {
    'dictionary page header': dictionaryHeader,
    'dictionary page': dictionary,
    'data page header': dataHeader,
    'data page': data,
  }
}

/** A page index module: `*_index_length` covers the whole module, length prefix included (§5). */
function indexModule(bytes: Uint8Array, offset: number | undefined, length: number | undefined): ModuleSpan {
  if (offset === undefined || length === undefined) throw new Error('the chunk has no such index')
  if (moduleSize(bytes, offset) !== length) throw new Error(`index length ${length} is not its module size`)
  return { offset, size: length }
}

export async function locateModule(
  bytes: Uint8Array,
  props: DecryptionProperties,
  column: string,
  kind: ModuleKind,
): Promise<ModuleSpan> {
  if (kind === 'footer') return footerModule(bytes)
  const file = await ParquetFile.open(bytes, { ...props, checkFooterSignature: false })
  const columnIndex = file.leaves.findIndex((leaf) => leaf.dotPath === column)
  const chunk = file.chunk(0, columnIndex)
  switch (kind) {
    case 'column metadata': {
      const module = chunk.encrypted_column_metadata
      if (!module) throw new Error(`${column} has no encrypted_column_metadata`)
      return { offset: find(bytes, module), size: module.length }
    }
    case 'column index':
      return indexModule(bytes, chunk.column_index_offset, chunk.column_index_length)
    case 'offset index':
      return indexModule(bytes, chunk.offset_index_offset, chunk.offset_index_length)
    default: {
      const meta = await file.columnMetaData(0, columnIndex)
      const spans = pageModules(bytes, meta.dictionary_page_offset ?? meta.data_page_offset)
      const dataHeader = spans['data page header'] as ModuleSpan
      if (dataHeader.offset !== meta.data_page_offset) throw new Error('data_page_offset is not the third module')
      return spans[kind] as ModuleSpan
    }
  }
}

/** Where in a GCM module to flip a byte: its nonce, its ciphertext or its tag. */
export const MODULE_REGIONS = ['nonce', 'ciphertext', 'tag'] as const
export type ModuleRegion = (typeof MODULE_REGIONS)[number]

export function regionOffset(span: ModuleSpan, region: ModuleRegion): number {
  if (region === 'nonce') return span.offset + 4
  if (region === 'ciphertext') return span.offset + 4 + 12
  return span.offset + span.size - 1
}

/** A copy of `bytes` with one byte inverted. */
export function flipByte(bytes: Uint8Array, at: number): Uint8Array {
  const copy = bytes.slice()
  copy[at] = (copy[at] as number) ^ 0xff
  return copy
}
