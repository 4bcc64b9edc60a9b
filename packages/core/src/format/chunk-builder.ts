import { concatBytes } from '../crypto/aes.js'
import { type ErrorLocation, MalformedFileError } from '../errors.js'
import { type PageHeader, PageHeaderDef } from '../thrift/parquet-structs.js'
import { decodeStruct } from '../thrift/struct-codec.js'

/** Offset (within its chunk) and size, header included, of a data page: what an OffsetIndex lists. */
export interface PageSpan {
  offset: number
  size: number
}

/** Collects a rewritten column chunk page by page, keeping where each data page lands. */
export class ChunkBuilder {
  private readonly parts: Uint8Array[] = []
  private length = 0
  readonly dataPages: PageSpan[] = []

  add(header: Uint8Array, body: Uint8Array, isDataPage: boolean): void {
    if (isDataPage) this.dataPages.push({ offset: this.length, size: header.length + body.length })
    this.parts.push(header, body)
    this.length += header.length + body.length
  }

  bytes(): Uint8Array {
    return concatBytes(this.parts)
  }
}

/** The plaintext page at `position`: its header, its body as stored, and where the next page starts. */
export function readPlainPage(
  bytes: Uint8Array,
  position: number,
  location: ErrorLocation,
): { header: PageHeader; body: Uint8Array; end: number } {
  const { value: header, end: bodyStart } = decodeStruct<PageHeader>(PageHeaderDef, bytes, position)
  const end = bodyStart + header.compressed_page_size
  if (header.compressed_page_size < 0 || end > bytes.length) {
    throw new MalformedFileError('page runs past the end of its column chunk', location)
  }
  return { header, body: bytes.subarray(bodyStart, end), end }
}
