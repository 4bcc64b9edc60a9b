import { ModuleType } from '../crypto/aad.js'
import { concatBytes } from '../crypto/aes.js'
import { MalformedFileError, UsageError } from '../errors.js'
import {
  type ChunkPlacement,
  firstDataPageOffset,
  PAR1_BYTES,
  plaintextColumnChunk,
  plaintextFileMetaData,
  plaintextFooterBytes,
} from '../format/plaintext-footer.js'
import type { LeafColumn } from '../format/schema.js'
import type { Append } from '../io/atomic-write.js'
import { loadCodecs } from '../pages/codecs.js'
import type { PlainChunk } from '../read/column-chunk.js'
import {
  type BloomFilterHeader,
  BloomFilterHeaderDef,
  type ColumnChunk,
  type ColumnMetaData,
  ColumnMetaDataDef,
  type FileMetaData,
  type OffsetIndex,
  OffsetIndexDef,
  type RowGroup,
} from '../thrift/parquet-structs.js'
import { decodeStruct, encodeStruct } from '../thrift/struct-codec.js'
import type { PlainColumnChunk, PlainRowGroup } from '../transform/plain-row-group.js'
import { type ColumnPlan, planColumns } from './column-plan.js'
import { encryptChunk } from './encrypt-chunk.js'
import type { EncryptionProperties } from './encryption-properties.js'
import { FileEncryptor } from './file-encryptor.js'

/** A written chunk, kept until the footer: its indexes are written after all row groups. */
interface WrittenChunk {
  readonly source: ColumnChunk
  readonly meta: ColumnMetaData
  readonly plan: ColumnPlan
  readonly rowGroup: number
  readonly column: number
  placement: ChunkPlacement
  readonly columnIndex?: Uint8Array
  readonly offsetIndex?: OffsetIndex
  readonly bloomFilter?: Uint8Array
}

interface WrittenRowGroup {
  readonly source: RowGroup
  readonly chunks: WrittenChunk[]
}

/** The offset index of a rewritten chunk: same pages and rows, new offsets and sizes. */
function relocate(index: OffsetIndex, chunk: PlainChunk, start: number): OffsetIndex {
  if (index.page_locations.length !== chunk.dataPages.length) {
    throw new MalformedFileError(
      `offset index lists ${index.page_locations.length} pages, the chunk has ${chunk.dataPages.length}`,
    )
  }
  return {
    ...index,
    page_locations: index.page_locations.map((location, i) => {
      const page = chunk.dataPages[i] as { offset: number; size: number }
      return { ...location, offset: start + page.offset, compressed_page_size: page.size }
    }),
  }
}

/**
 * Writes a Parquet file from plaintext row groups, encrypting per the properties (or not at all).
 * Decrypt, encrypt, re-key and write-from-data all end here, so they share one footer logic.
 */
export class ParquetSink {
  private readonly written: WrittenRowGroup[] = []
  private readonly encryptor: FileEncryptor | undefined
  private readonly plans: ColumnPlan[]

  private constructor(
    private readonly append: Append,
    readonly leaves: readonly LeafColumn[],
    props: EncryptionProperties | undefined,
  ) {
    this.encryptor = props ? new FileEncryptor(props) : undefined
    this.plans = props ? planColumns(leaves, props) : leaves.map(() => ({ kind: 'plaintext' }))
  }

  static async start(
    append: Append,
    leaves: readonly LeafColumn[],
    props?: EncryptionProperties,
  ): Promise<ParquetSink> {
    await loadCodecs() // V2 pages re-framed as V1 are compressed again
    const sink = new ParquetSink(append, leaves, props)
    await append(sink.encryptor?.magic ?? PAR1_BYTES)
    return sink
  }

  /** Whether the column at this ordinal is written encrypted. */
  encrypts(column: number): boolean {
    return this.encryptor !== undefined && this.plans[column]?.kind !== 'plaintext'
  }

  private key(plan: ColumnPlan): Uint8Array | undefined {
    if (plan.kind === 'plaintext' || !this.encryptor) return undefined
    return plan.kind === 'column-key' ? plan.spec.key : this.encryptor.props.footerKey.key
  }

  async writeRowGroup(group: PlainRowGroup): Promise<void> {
    if (group.columns.length !== this.leaves.length) {
      throw new UsageError(`row group has ${group.columns.length} columns, the schema ${this.leaves.length}`)
    }
    const rowGroup = this.written.length
    const chunks: WrittenChunk[] = []
    for (let column = 0; column < group.columns.length; column++) {
      chunks.push(await this.writeChunk(group.columns[column] as PlainColumnChunk, rowGroup, column))
    }
    this.written.push({ source: group.rowGroup, chunks })
  }

  private async writeChunk(input: PlainColumnChunk, rowGroup: number, column: number): Promise<WrittenChunk> {
    const plan = this.plans[column] as ColumnPlan
    const key = this.key(plan)
    const leaf = this.leaves[column] as LeafColumn
    const location = { column: leaf.dotPath, rowGroup }
    const out =
      key && this.encryptor
        ? encryptChunk(input.plain, input.meta, {
            encryptor: this.encryptor,
            key,
            leaf,
            ordinals: { rowGroup, column },
            location,
          })
        : { ...input.plain, meta: input.meta }
    const start = await this.append(out.bytes)
    return {
      source: input.chunk,
      meta: out.meta,
      plan,
      rowGroup,
      column,
      placement: {
        start,
        length: out.bytes.length,
        hasDictionary: out.hasDictionary,
        firstDataPageOffset: firstDataPageOffset(start, out),
      },
      ...(input.offsetIndex ? { offsetIndex: relocate(input.offsetIndex, out, start) } : {}),
      ...(input.columnIndex ? { columnIndex: input.columnIndex } : {}),
      ...(input.bloomFilter ? { bloomFilter: input.bloomFilter } : {}),
    }
  }

  /** A page index or bloom filter structure as written: encrypted under the column's key, or as is. */
  private indexModule(chunk: WrittenChunk, plaintext: Uint8Array, type: ModuleType): Uint8Array {
    const key = this.key(chunk.plan)
    if (!key || !this.encryptor) return plaintext
    return this.encryptor.encrypt(plaintext, key, type, { rowGroup: chunk.rowGroup, column: chunk.column })
  }

  /** A bloom filter is two modules when encrypted: its Thrift header, then its bitset. */
  private bloomFilterBytes(chunk: WrittenChunk, bloomFilter: Uint8Array): Uint8Array {
    if (!this.key(chunk.plan)) return bloomFilter
    const { value, end } = decodeStruct<BloomFilterHeader>(BloomFilterHeaderDef, bloomFilter)
    const bitset = bloomFilter.subarray(end, end + value.numBytes)
    return concatBytes([
      this.indexModule(chunk, bloomFilter.subarray(0, end), ModuleType.BloomFilterHeader),
      this.indexModule(chunk, bitset, ModuleType.BloomFilterBitset),
    ])
  }

  /** Bloom filters, then column indexes, then offset indexes, as parquet-java lays them out. */
  private async writeIndexes(): Promise<void> {
    const chunks = this.written.flatMap((group) => group.chunks)
    const region = async (bytes: Uint8Array) => ({ offset: await this.append(bytes), length: bytes.length })
    for (const chunk of chunks) {
      if (!chunk.bloomFilter) continue
      const bloomFilter = await region(this.bloomFilterBytes(chunk, chunk.bloomFilter))
      chunk.placement = { ...chunk.placement, bloomFilter }
    }
    for (const chunk of chunks) {
      if (!chunk.columnIndex) continue
      const columnIndex = await region(this.indexModule(chunk, chunk.columnIndex, ModuleType.ColumnIndex))
      chunk.placement = { ...chunk.placement, columnIndex }
    }
    for (const chunk of chunks) {
      if (!chunk.offsetIndex) continue
      const bytes = encodeStruct(OffsetIndexDef, chunk.offsetIndex)
      const offsetIndex = await region(this.indexModule(chunk, bytes, ModuleType.OffsetIndex))
      chunk.placement = { ...chunk.placement, offsetIndex }
    }
  }

  /** The footer's ColumnChunk per footer mode and key (pme-reference §5). */
  private columnChunk(chunk: WrittenChunk): ColumnChunk {
    const plain = plaintextColumnChunk(chunk.source, chunk.meta, chunk.placement)
    const key = this.key(chunk.plan)
    if (!key || !this.encryptor || chunk.plan.kind === 'plaintext') return plain
    const full = plain.meta_data as ColumnMetaData
    const crypto_metadata =
      chunk.plan.kind === 'column-key'
        ? {
            ENCRYPTION_WITH_COLUMN_KEY: {
              path_in_schema: full.path_in_schema,
              key_metadata: chunk.plan.spec.keyMetadata,
            },
          }
        : { ENCRYPTION_WITH_FOOTER_KEY: {} }
    const plaintextFooter = this.encryptor.props.plaintextFooter === true
    if (!plaintextFooter && chunk.plan.kind === 'footer-key') return { ...plain, crypto_metadata }
    const encrypted_column_metadata = this.encryptor.encrypt(
      encodeStruct(ColumnMetaDataDef, full),
      key,
      ModuleType.ColumnMetaData,
      {
        rowGroup: chunk.rowGroup,
        column: chunk.column,
      },
    )
    // A plaintext footer keeps a redacted copy for legacy readers: no statistics of encrypted data.
    const meta_data = plaintextFooter ? { ...full, statistics: undefined, encoding_stats: undefined } : undefined
    return { ...plain, meta_data, crypto_metadata, encrypted_column_metadata }
  }

  /** Writes indexes and the footer. `metadata` supplies the schema and file-level fields. */
  async finish(metadata: FileMetaData): Promise<void> {
    await this.writeIndexes()
    const rowGroups: RowGroup[] = this.written.map((group, ordinal) => ({
      ...group.source,
      columns: group.chunks.map((chunk) => this.columnChunk(chunk)),
      file_offset: group.chunks[0]?.placement.start,
      total_compressed_size: group.chunks.reduce((sum, chunk) => sum + chunk.placement.length, 0),
      ordinal,
    }))
    const plain = plaintextFileMetaData(metadata, rowGroups)
    await this.append(this.encryptor ? this.encryptor.footer(plain) : plaintextFooterBytes(plain))
  }
}
