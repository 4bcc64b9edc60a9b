import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { type CodecName, CompressionCodec, compress, loadCodecs } from '../src/pages/codecs.js'
import { HADOOP_LZ4_BLOCK_SIZE } from '../src/pages/lz4-hadoop.js'
import type { ColumnMetaData } from '../src/thrift/parquet-structs.js'
import { tableRows, writeV2File } from './helpers/page-data.js'
import { pyarrowDecompressDigests, pyarrowRows, pyarrowRowsText, skipWithoutPyarrow } from './helpers/pyarrow.js'
import { readDataFile, skipWithoutData } from './helpers/test-data.js'
import { chunkPages, countPages, fileMetaData, reframeToV1 } from './helpers/v1-file.js'

// zstd's WebAssembly loads asynchronously: the writers await this themselves, these tests call compress() directly.
await loadCodecs()

/*
 * Arrow C++ (pyarrow) reads what we compress, in every codec we write, and reads our V1 re-framing
 * of V2 pages (ours and other writers') to the same values.
 */

const WRITABLE: readonly CodecName[] = ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'BROTLI', 'LZ4', 'ZSTD', 'LZ4_RAW']

/** pyarrow's names of the codecs that are plain streams (LZ4 with Hadoop framing has none). */
const ARROW_CODECS = { SNAPPY: 'snappy', GZIP: 'gzip', BROTLI: 'brotli', ZSTD: 'zstd', LZ4_RAW: 'lz4_raw' } as const

function randomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length)
  let state = seed >>> 0
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    out[i] = state >>> 24
  }
  return out
}

/** Random bytes where every run of `period` bytes repeats: matches near the end of the input. */
function periodicBytes(length: number, period: number, seed: number): Uint8Array {
  const unit = randomBytes(period, seed)
  return Uint8Array.from({ length }, (_, i) => unit[i % period] as number)
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

describe.skipIf(skipWithoutPyarrow('Arrow C++ codecs decompress our output'))(
  'Arrow C++ codecs decompress our output',
  () => {
    // LZ4 blocks must end with literals and have no match close to the end: short and periodic
    // inputs of every small length put matches there if the compressor allowed it.
    const inputs = [
      ...Array.from({ length: 40 }, (_, n) => periodicBytes(n, 4, n)),
      ...[64, 100, 255, 256, 1000, 4096, 65535, 65536, 65537].map((n) => periodicBytes(n, 7, n)),
      ...[1, 13, 1000, 100_000].map((n) => randomBytes(n, n)),
      periodicBytes(1024 * 1024, 1000, 9),
    ]

    it.each(Object.entries(ARROW_CODECS))('%s (pyarrow %s) gives back every input', (name, arrowName) => {
      const codec = CompressionCodec[name as CodecName]
      const blobs = inputs.map((bytes) => ({ codec: arrowName, bytes: compress(codec, bytes), size: bytes.length }))
      expect(pyarrowDecompressDigests(blobs)).toEqual(inputs.map(sha256))
    })
  },
)

describe.skipIf(skipWithoutPyarrow('pyarrow reads our pages'))('pyarrow reads our pages', () => {
  // Enough rows for a page of the `note` column to span several Hadoop LZ4 blocks.
  const rows = tableRows(3000, 7)
  const v2Files = WRITABLE.map((codec) => writeV2File(rows, codec))
  const v1Files = v2Files.map(reframeToV1)

  it('the files have the pages the checks are about', () => {
    const largest = Math.max(
      ...fileMetaData(v2Files[0] as Uint8Array).row_groups.flatMap((rowGroup) =>
        rowGroup.columns.flatMap((chunk) =>
          chunkPages(v2Files[0] as Uint8Array, chunk.meta_data as ColumnMetaData).map(
            (page) => page.header.uncompressed_page_size,
          ),
        ),
      ),
    )
    expect(largest).toBeGreaterThan(HADOOP_LZ4_BLOCK_SIZE)
    for (const [i, file] of v1Files.entries()) {
      expect(countPages(file).v2, WRITABLE[i]).toBe(0)
      expect(countPages(file).v1, WRITABLE[i]).toBe(countPages(v2Files[i] as Uint8Array).v2)
    }
  })

  it('reads every codec, as V2 pages and re-framed as V1, to the rows written', () => {
    const read = pyarrowRows([...v2Files, ...v1Files])
    read.forEach((fileRows, i) => {
      const label = `${WRITABLE[i % WRITABLE.length]} ${i < WRITABLE.length ? 'V2' : 'V1'}`
      expect(fileRows.length, label).toBe(rows.length)
      expect(fileRows, label).toEqual(rows)
    })
  })

  it('sees the codec of each file in its metadata', () => {
    for (const [i, file] of v1Files.entries()) {
      const codec = CompressionCodec[WRITABLE[i] as CodecName]
      const codecs = fileMetaData(file).row_groups.flatMap((rowGroup) =>
        rowGroup.columns.map((c) => c.meta_data?.codec),
      )
      expect(new Set(codecs), WRITABLE[i]).toEqual(new Set([codec]))
    }
  })
})

/** The parquet-testing files with DATA_PAGE_V2 pages (written by parquet-mr, Arrow, Spark...). */
const TESTING_V2_FILES = [
  'datapage_v2_empty_datapage.snappy.parquet',
  'page_v2_empty_compressed.parquet',
  'concatenated_gzip_members.parquet',
  'delta_binary_packed.parquet',
  'delta_byte_array.parquet',
  'delta_encoding_required_column.parquet',
  'delta_length_byte_array.parquet',
  'rle-dict-snappy-checksum.parquet',
  'rle-dict-uncompressed-corrupt-checksum.parquet',
  'rle_boolean_encoding.parquet',
]

describe.skipIf(skipWithoutPyarrow('pyarrow reads re-framed parquet-testing files') || skipWithoutData('V2 files'))(
  'pyarrow reads re-framed parquet-testing files',
  () => {
    it('reads each V2 file re-framed as V1 to exactly what it reads from the original', () => {
      const originals = TESTING_V2_FILES.map(readDataFile)
      for (const [i, file] of originals.entries()) {
        expect(countPages(file).v2, TESTING_V2_FILES[i]).toBeGreaterThan(0)
      }
      const converted = originals.map(reframeToV1)
      for (const file of converted) expect(countPages(file).v2).toBe(0)
      const texts = pyarrowRowsText([...originals, ...converted])
      TESTING_V2_FILES.forEach((name, i) => {
        const original = texts[i] as string
        expect(original.length, name).toBeGreaterThan(2) // not an empty list
        expect(texts[i + TESTING_V2_FILES.length], name).toBe(original)
      })
    })
  },
)
