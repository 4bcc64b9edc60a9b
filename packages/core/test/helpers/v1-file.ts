import { chunkRange } from '../../src/format/chunk-range.js'
import {
  PAR1_BYTES,
  plaintextColumnChunk,
  plaintextFileMetaData,
  plaintextFooterBytes,
} from '../../src/format/plaintext-footer.js'
import { type LeafColumn, leafColumns } from '../../src/format/schema.js'
import { type Page, toV1Page } from '../../src/pages/v1-page.js'
import {
  type ColumnChunk,
  type ColumnMetaData,
  type FileMetaData,
  FileMetaDataDef,
  type PageHeader,
  PageHeaderDef,
  PageType,
  type RowGroup,
} from '../../src/thrift/parquet-structs.js'
import { decodeStruct, encodeStruct } from '../../src/thrift/struct-codec.js'

/*
 * Rewrites a plaintext Parquet file page by page; reframeToV1 re-frames every DATA_PAGE_V2 as a
 * DATA_PAGE (V1) with toV1Page and copies other pages byte for byte. The chunks are laid out again,
 * so page indexes are dropped (their offsets would be stale); sizes and offsets in the footer are
 * recomputed.
 */

export interface PageCounts {
  dictionary: number
  v1: number
  v2: number
}

export function fileMetaData(bytes: Uint8Array): FileMetaData {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const footerLength = view.getUint32(bytes.length - 8, true)
  return decodeStruct<FileMetaData>(FileMetaDataDef, bytes, bytes.length - 8 - footerLength).value
}

export interface StoredPage {
  header: PageHeader
  /** The header as stored. */
  headerBytes: Uint8Array
  body: Uint8Array
}

/** The pages of one column chunk, in order. */
export function chunkPages(bytes: Uint8Array, meta: ColumnMetaData): StoredPage[] {
  const { start, end } = chunkRange(meta)
  const pages: StoredPage[] = []
  for (let position = start; position < end; ) {
    const { value: header, end: bodyStart } = decodeStruct<PageHeader>(PageHeaderDef, bytes, position)
    const bodyEnd = bodyStart + header.compressed_page_size
    pages.push({ header, headerBytes: bytes.subarray(position, bodyStart), body: bytes.subarray(bodyStart, bodyEnd) })
    position = bodyEnd
  }
  return pages
}

/** How many pages of each kind the file's chunks hold. */
export function countPages(bytes: Uint8Array): PageCounts {
  const counts = { dictionary: 0, v1: 0, v2: 0 }
  for (const rowGroup of fileMetaData(bytes).row_groups) {
    for (const chunk of rowGroup.columns) {
      for (const { header } of chunkPages(bytes, chunk.meta_data as ColumnMetaData)) {
        if (header.type === PageType.DictionaryPage) counts.dictionary++
        else if (header.type === PageType.DataPage) counts.v1++
        else if (header.type === PageType.DataPageV2) counts.v2++
      }
    }
  }
  return counts
}

export interface PageContext {
  readonly meta: ColumnMetaData
  readonly leaf: LeafColumn
  /** The page's position in its chunk, and whether it is the chunk's last. */
  readonly index: number
  readonly isLast: boolean
}

/** Returns the pages to write in place of `page`; a page without headerBytes gets its header encoded. */
export type PageRewrite = (page: StoredPage, context: PageContext) => (StoredPage | Page)[]

interface RewrittenChunk {
  parts: Uint8Array[]
  length: number
  uncompressed: number
  firstDataPage: number
}

function rewriteChunk(bytes: Uint8Array, meta: ColumnMetaData, leaf: LeafColumn, rewrite: PageRewrite): RewrittenChunk {
  const out: RewrittenChunk = { parts: [], length: 0, uncompressed: 0, firstDataPage: -1 }
  const pages = chunkPages(bytes, meta)
  pages.forEach((page, index) => {
    for (const written of rewrite(page, { meta, leaf, index, isLast: index === pages.length - 1 })) {
      const { header, body } = written
      const headerBytes = 'headerBytes' in written ? written.headerBytes : encodeStruct(PageHeaderDef, header)
      if (header.type !== PageType.DictionaryPage && out.firstDataPage < 0) out.firstDataPage = out.length
      out.parts.push(headerBytes, body)
      out.length += headerBytes.length + body.length
      out.uncompressed += headerBytes.length + header.uncompressed_page_size
    }
  })
  return out
}

/** Turns a V2 data page into a V1 page; other pages stay as they are. */
export const toV1: PageRewrite = (page, { meta, leaf }) =>
  page.header.type === PageType.DataPageV2 ? [toV1Page(page.header, page.body, meta.codec, leaf)] : [page]

/** The file with every V2 data page turned into a V1 page. */
export function reframeToV1(bytes: Uint8Array): Uint8Array {
  return rewritePages(bytes, toV1)
}

/** The file with each page replaced by what `rewrite` returns for it. */
export function rewritePages(bytes: Uint8Array, rewrite: PageRewrite): Uint8Array {
  const metadata = fileMetaData(bytes)
  const leaves = leafColumns(metadata.schema)
  const parts: Uint8Array[] = [PAR1_BYTES]
  let offset = PAR1_BYTES.length
  const rowGroups: RowGroup[] = metadata.row_groups.map((rowGroup) => {
    let totalUncompressed = 0
    let totalCompressed = 0
    const columns: ColumnChunk[] = rowGroup.columns.map((chunk, column) => {
      const meta = chunk.meta_data as ColumnMetaData
      const leaf = leaves[column]
      if (!leaf) throw new Error(`no schema leaf for column ${column}`)
      const rewritten = rewriteChunk(bytes, meta, leaf, rewrite)
      const start = offset
      parts.push(...rewritten.parts)
      offset += rewritten.length
      totalUncompressed += rewritten.uncompressed
      totalCompressed += rewritten.length
      const newMeta: ColumnMetaData = {
        ...meta,
        total_uncompressed_size: rewritten.uncompressed,
        // The rewrites here all turn V2 pages into V1 pages.
        encoding_stats: meta.encoding_stats?.map((stats) =>
          stats.page_type === PageType.DataPageV2 ? { ...stats, page_type: PageType.DataPage } : stats,
        ),
      }
      return plaintextColumnChunk(chunk, newMeta, {
        start,
        length: rewritten.length,
        hasDictionary: rewritten.firstDataPage > 0,
        firstDataPageOffset: start + rewritten.firstDataPage,
      })
    })
    return {
      ...rowGroup,
      columns,
      total_byte_size: totalUncompressed,
      total_compressed_size: rowGroup.total_compressed_size === undefined ? undefined : totalCompressed,
      file_offset: rowGroup.file_offset === undefined ? undefined : columns[0]?.file_offset,
    }
  })
  parts.push(plaintextFooterBytes(plaintextFileMetaData(metadata, rowGroups)))
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0))
  let position = 0
  for (const part of parts) {
    out.set(part, position)
    position += part.length
  }
  return out
}
