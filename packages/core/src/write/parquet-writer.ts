import { parquetMetadata, type SchemaElement } from 'hyparquet'
import { type ColumnSource, parquetWriteBuffer } from 'hyparquet-writer'
import { UsageError } from '../errors.js'
import type { LeafColumn } from '../format/schema.js'
import { AtomicFile } from '../io/atomic-write.js'
import { type CodecName, CompressionCodec, compressorsFor, loadCodecs } from '../pages/codecs.js'
import { ParquetFile } from '../read/parquet-file.js'
import { type PlainColumnChunk, readPlainRowGroup } from '../transform/plain-row-group.js'
import { compressChunk } from './compress-chunk.js'
import type { EncryptionProperties } from './encryption-properties.js'
import { ParquetSink } from './parquet-sink.js'

/** A column as hyparquet-writer takes it: name, values, and optional type, nullability, encoding. */
export type ColumnData = ColumnSource
export type { SchemaElement }

export interface WriteOptions {
  /** Encrypt as these properties say; absent: a plain Parquet file. */
  encryption?: EncryptionProperties
  /** Compression codec of every column (default SNAPPY). */
  codec?: CodecName
  /** Rows per row group (default: hyparquet-writer's, 1000 then 100000). */
  rowGroupSize?: number
  /** Target uncompressed page size in bytes (default 1 MiB). */
  pageSize?: number
  /** Column statistics (default true). Under a plaintext footer they are kept only in the encrypted metadata. */
  statistics?: boolean
  /** Write column indexes (default true). hyparquet-writer writes page indexes only for chunks of several pages. */
  pageIndex?: boolean
  /**
   * The schema in hyparquet's form (flattened SchemaElements, root first). Needed for nested columns
   * (lists, structs, maps); without it, flat columns' types are taken from the first batch.
   */
  schema?: SchemaElement[]
  /** Columns (top-level names) that get a bloom filter. */
  bloomFilters?: readonly string[]
  kvMetadata?: { key: string; value: string }[]
}

const CREATED_BY = 'pme version 0.1.0 (hyparquet-writer 0.17.0)'

/** Whether any leaf under a top-level column will be encrypted, from the properties' names alone. */
function encryptsColumn(name: string, props: EncryptionProperties | undefined): boolean {
  if (!props) return false
  const keyed = Object.keys(props.columnKeys ?? {})
  if (keyed.length === 0 || props.completeColumns) return true
  return keyed.some((path) => path === name || path.startsWith(`${name}.`))
}

/**
 * Writes a Parquet file one batch at a time, so a file far larger than memory can be written: each
 * batch is encoded by hyparquet-writer into plaintext row groups, which are then encrypted module by
 * module into the output. The file appears at its path only when close() succeeds.
 */
export class ParquetFileWriter {
  private sink: ParquetSink | undefined
  private first: ParquetFile | undefined
  /** The schema of the first batch, in hyparquet's form: every later batch is written with it. */
  private schema: SchemaElement[] | undefined
  private done = false

  private constructor(
    private readonly file: AtomicFile,
    private readonly options: WriteOptions,
  ) {
    this.schema = options.schema
  }

  static async create(path: string, options: WriteOptions = {}): Promise<ParquetFileWriter> {
    await loadCodecs()
    return new ParquetFileWriter(await AtomicFile.create(path), options)
  }

  /** The codec of a top-level column: its own, else the writer's (default SNAPPY). */
  private codecOf(column: ColumnData): CodecName {
    return column.codec ?? this.options.codec ?? 'SNAPPY'
  }

  /**
   * hyparquet-writer compresses the pages of plaintext columns itself. Columns that will be encrypted
   * it writes uncompressed: compressChunk then compresses each of their pages once, and writes those
   * with levels as V1 pages in the same pass (instead of decompressing and recompressing V2 pages).
   */
  private encode(columns: ColumnData[]): Uint8Array {
    const { pageIndex = true, bloomFilters = [] } = this.options
    let compressors = {}
    const columnData = columns.map((column) => {
      const codec = this.codecOf(column)
      compressors = { ...compressors, ...compressorsFor(codec) } // throws for a codec that cannot be written
      return {
        ...(this.schema ? { name: column.name, data: column.data } : column),
        codec: encryptsColumn(column.name, this.options.encryption) ? ('UNCOMPRESSED' as const) : codec,
        columnIndex: pageIndex,
        bloomFilter: bloomFilters.includes(column.name),
      }
    })
    const buffer = parquetWriteBuffer({
      columnData,
      ...(this.schema ? { schema: this.schema } : {}),
      compressors,
      statistics: this.options.statistics ?? true,
      ...(this.options.rowGroupSize ? { rowGroupSize: this.options.rowGroupSize } : {}),
      ...(this.options.pageSize ? { pageSize: this.options.pageSize } : {}),
      ...(this.options.kvMetadata ? { kvMetadata: this.options.kvMetadata } : {}),
      createdBy: CREATED_BY,
    })
    this.schema ??= parquetMetadata(buffer).schema
    return new Uint8Array(buffer)
  }

  /** A chunk as written: compressed here when encode() left it uncompressed for encryption. */
  private compressed(chunk: PlainColumnChunk, column: number, columns: ColumnData[]): PlainColumnChunk {
    const sink = this.sink as ParquetSink
    const leaf = sink.leaves[column] as LeafColumn
    const source = columns.find((candidate) => candidate.name === leaf.path[0])
    if (!source || !encryptsColumn(source.name, this.options.encryption)) return chunk
    const codec = CompressionCodec[this.codecOf(source)]
    const levels = leaf.maxDefinitionLevel > 0 || leaf.maxRepetitionLevel > 0
    const v1 = sink.encrypts(column) && levels ? leaf : undefined
    if (codec === CompressionCodec.UNCOMPRESSED && !v1) return chunk
    return compressChunk(chunk, codec, v1, { file: this.file.path, column: leaf.dotPath })
  }

  /** Writes one batch of columns (all of the same length) as one or more row groups. */
  async writeColumns(columns: ColumnData[]): Promise<void> {
    if (this.done) throw new UsageError('the writer is closed')
    try {
      const batch = await ParquetFile.open(this.encode(columns), undefined, { name: this.file.path })
      this.first ??= batch
      this.sink ??= await ParquetSink.start(this.file.append, batch.leaves, this.options.encryption)
      for (let rowGroup = 0; rowGroup < batch.metadata.row_groups.length; rowGroup++) {
        const group = await readPlainRowGroup(batch, rowGroup)
        const chunks = group.columns.map((chunk, column) => this.compressed(chunk, column, columns))
        await this.sink.writeRowGroup({ ...group, columns: chunks })
      }
    } catch (error) {
      await this.abort()
      throw error
    }
  }

  /** Writes one batch of row objects; columns are the keys of the first row unless named. */
  writeRows(rows: readonly Record<string, unknown>[], columnNames?: readonly string[]): Promise<void> {
    const names = columnNames ?? Object.keys(rows[0] ?? {})
    return this.writeColumns(names.map((name) => ({ name, data: rows.map((row) => row[name] ?? null) })))
  }

  /** Writes the indexes and the footer, and moves the file into place. */
  async close(): Promise<void> {
    if (this.done) return
    if (!this.sink || !this.first) {
      await this.abort()
      throw new UsageError('nothing was written: a Parquet file needs at least one batch to know its schema')
    }
    try {
      await this.sink.finish(this.first.metadata)
    } catch (error) {
      await this.abort()
      throw error
    }
    this.done = true
    await this.file.commit()
  }

  /** Discards everything written; the path is left as it was. */
  async abort(): Promise<void> {
    this.done = true
    await this.file.abort()
  }
}

/** Writes a whole file from columns (or row objects) in one call. */
export async function writeParquet(
  path: string,
  data: { columns: ColumnData[] } | { rows: readonly Record<string, unknown>[] },
  options: WriteOptions = {},
): Promise<void> {
  const writer = await ParquetFileWriter.create(path, options)
  if ('columns' in data) await writer.writeColumns(data.columns)
  else await writer.writeRows(data.rows)
  await writer.close()
}
