import { brotliCompressSync, gzipSync, constants as zlibConstants } from 'node:zlib'
import { init as initZstd, compress as zstdCompress } from '@bokuweb/zstd-wasm'
import { decompressZstd, compressors as hyparquetCompressors } from 'hyparquet-compressors'
import { compress as lz4CompressWithSize } from 'lz4-wasm-nodejs'
import { compress as snappyCompress } from 'snappyjs'
import { MalformedFileError, UnsupportedError } from '../errors.js'
import { hadoopLz4Compress, hadoopLz4Decompress } from './lz4-hadoop.js'

/** parquet.thrift CompressionCodec. */
export const CompressionCodec = {
  UNCOMPRESSED: 0,
  SNAPPY: 1,
  GZIP: 2,
  LZO: 3,
  BROTLI: 4,
  LZ4: 5,
  ZSTD: 6,
  LZ4_RAW: 7,
} as const

/** A codec by its parquet.thrift name, as hyparquet and hyparquet-writer spell codecs. */
export type CodecName = keyof typeof CompressionCodec

const CODEC_NAMES = Object.keys(CompressionCodec) as CodecName[]

// zstd's WebAssembly only loads asynchronously. Writers await loadCodecs() once before compressing,
// which keeps compress() synchronous without a top-level await (that would stop require() of the
// package). The same package runs on every Node version (zlib has zstd only from Node 22.15), so
// output does not depend on the runtime.
let zstdLoad: Promise<void> | undefined
let zstdLoaded = false

/** Loads the codecs that need asynchronous set-up (zstd); call before compress(). Idempotent. */
export function loadCodecs(): Promise<void> {
  zstdLoad ??= initZstd().then(() => {
    zstdLoaded = true
  })
  return zstdLoad
}

/** Arrow C++'s default levels: brotli's own default (11) is an order of magnitude slower. */
const BROTLI_QUALITY = 8
const ZSTD_LEVEL = 3

// No LZO compressor exists for Node without a native build (and hyparquet cannot read LZO either).
const NO_LZO_COMPRESSION = 'LZO compression is not supported: write the column with another codec'

/** The codec's name, e.g. for messages. Throws UnsupportedError for values parquet.thrift does not define. */
export function codecName(codec: number): CodecName {
  const name = CODEC_NAMES.find((candidate) => CompressionCodec[candidate] === codec)
  if (name === undefined) {
    throw new UnsupportedError(`unknown compression codec ${codec}`)
  }
  return name
}

/** zlib returns Buffers, possibly views into a shared pool: hand out plain Uint8Arrays. */
function plain(buffer: Uint8Array): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
}

/** A raw LZ4 block. lz4-wasm-nodejs (lz4_flex) prepends the uncompressed size as a u32le: drop it. */
function lz4RawCompress(bytes: Uint8Array): Uint8Array {
  return lz4CompressWithSize(bytes).subarray(4)
}

/** Compresses a page body (or any bytes) with a Parquet codec. */
export function compress(codec: number, bytes: Uint8Array): Uint8Array {
  const name = codecName(codec)
  switch (name) {
    case 'UNCOMPRESSED':
      return bytes
    case 'SNAPPY':
      return plain(snappyCompress(bytes))
    case 'GZIP':
      return plain(gzipSync(bytes))
    case 'BROTLI':
      return plain(
        brotliCompressSync(bytes, {
          params: {
            [zlibConstants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
            [zlibConstants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
          },
        }),
      )
    case 'ZSTD':
      // A writer that forgot loadCodecs() is a bug here, not a property of the file.
      if (!zstdLoaded) throw new Error('zstd compression before loadCodecs() resolved')
      return zstdCompress(bytes, ZSTD_LEVEL)
    case 'LZ4_RAW':
      return lz4RawCompress(bytes)
    case 'LZ4':
      return hadoopLz4Compress(bytes, lz4RawCompress)
    case 'LZO':
      throw new UnsupportedError(NO_LZO_COMPRESSION)
  }
}

/** A decompressor in hyparquet's form: the stored bytes and the page header's uncompressed size. */
export type Decompressor = (input: Uint8Array, outputLength: number) => Uint8Array

/**
 * How many output bytes one input byte can produce at most, per codec: a larger uncompressed size in
 * a page header is a lie that would make the decompressor allocate it. Snappy: a 3-byte copy of 64
 * bytes; deflate: 258 bytes from about 2 bits; LZ4: a match length grows by 255 per byte; zstd: a
 * 4-byte RLE block of 128 KiB. Brotli has no useful bound: its output is capped by the header size.
 */
const MAX_RATIO: { [name in CodecName]?: number } = { SNAPPY: 22, GZIP: 1032, LZ4: 256, LZ4_RAW: 256, ZSTD: 32768 }
const RATIO_SLACK = 64

/** Snappy's varint preamble: the uncompressed length, which the WebAssembly decoder trusts. */
function snappyLength(input: Uint8Array): number | undefined {
  let result = 0
  for (let i = 0; i < 5 && i < input.length; i++) {
    const byte = input[i] as number
    result += (byte & 0x7f) * 2 ** (7 * i)
    if ((byte & 0x80) === 0) return result
  }
  return undefined
}

/** Refuses a page whose sizes cannot be true before anything is allocated for it. */
function checkSizes(name: CodecName, input: Uint8Array, outputLength: number): void {
  if (!Number.isSafeInteger(outputLength) || outputLength < 0) {
    throw new MalformedFileError(`${name} page has an uncompressed size of ${outputLength}`)
  }
  const ratio = MAX_RATIO[name]
  if (ratio !== undefined && outputLength > input.length * ratio + RATIO_SLACK) {
    throw new MalformedFileError(
      `${name} page of ${input.length} bytes cannot hold the ${outputLength} bytes its header says`,
    )
  }
  if (name === 'SNAPPY') {
    const declared = snappyLength(input)
    if (declared !== outputLength) {
      throw new MalformedFileError(
        `snappy length header ${declared ?? 'unreadable'} differs from the page header's ${outputLength}`,
      )
    }
  }
}

const ZSTD_MAGIC = 0xfd2fb528

/** The content size a zstd frame header declares, or undefined when it declares none. */
function zstdContentSize(input: Uint8Array): number | undefined {
  if (input.length < 6) return undefined
  const view = new DataView(input.buffer, input.byteOffset, input.length)
  if (view.getUint32(0, true) !== ZSTD_MAGIC) return undefined
  const descriptor = input[4] as number
  const singleSegment = (descriptor >> 5) & 1
  const sizeBytes = [singleSegment, 2, 4, 8][descriptor >> 6] as number
  if (sizeBytes === 0) return undefined
  const at = 5 + (singleSegment ? 0 : 1) + ([0, 1, 2, 4][descriptor & 3] as number)
  if (at + sizeBytes > input.length) return undefined
  if (sizeBytes === 1) return input[at]
  if (sizeBytes === 2) return view.getUint16(at, true) + 256
  if (sizeBytes === 4) return view.getUint32(at, true)
  return Number(view.getBigUint64(at, true))
}

/**
 * zstd into a buffer of the page header's size, so a frame header claiming gigabytes cannot size the
 * allocation. fzstd then returns the whole buffer however much it filled: the frame's own content
 * size, when it has one, is what detects a short frame.
 */
function zstdDecompress(input: Uint8Array, outputLength: number): Uint8Array {
  const declared = zstdContentSize(input)
  if (declared !== undefined && declared !== outputLength) {
    throw new MalformedFileError(`zstd frame holds ${declared} bytes, the page header says ${outputLength}`)
  }
  return decompressZstd(input, new Uint8Array(outputLength))
}

/** Runs hyparquet-compressors' decompressor with the page header's size as a hard output limit. */
function boundedDecompressor(name: CodecName, decompressor: Decompressor): Decompressor {
  return (input, outputLength) => {
    // An empty page (Spark writes empty V2 data pages) has nothing to decompress, whatever the codec
    // put in it: the reference LZ4 writes one zero byte, snappy a zero length, some writers nothing.
    if (outputLength === 0) return new Uint8Array(0)
    checkSizes(name, input, outputLength)
    let output: Uint8Array
    try {
      output = decompressor(input, outputLength)
    } catch (error) {
      throw new MalformedFileError(`cannot decompress a ${name} page: ${(error as Error).message}`)
    }
    if (output.length !== outputLength) {
      throw new MalformedFileError(
        `${name} page decompressed to ${output.length} bytes, its header says ${outputLength}`,
      )
    }
    return output
  }
}

const lz4Raw = hyparquetCompressors.LZ4_RAW as Decompressor

/** The decompressors of every page this library reads, its own and hyparquet's, behind size checks. */
export const decompressors: { [name in CodecName]?: Decompressor } = {
  SNAPPY: boundedDecompressor('SNAPPY', hyparquetCompressors.SNAPPY as Decompressor),
  GZIP: boundedDecompressor('GZIP', hyparquetCompressors.GZIP as Decompressor),
  BROTLI: boundedDecompressor('BROTLI', hyparquetCompressors.BROTLI as Decompressor),
  ZSTD: boundedDecompressor('ZSTD', zstdDecompress),
  LZ4: boundedDecompressor(
    'LZ4',
    (input, outputLength) => hadoopLz4Decompress(input, outputLength, lz4Raw) ?? lz4Raw(input, outputLength),
  ),
  LZ4_RAW: boundedDecompressor('LZ4_RAW', lz4Raw),
}

/** Decompresses a page body (or any bytes) with a Parquet codec, to exactly `uncompressedSize` bytes. */
export function decompress(codec: number, bytes: Uint8Array, uncompressedSize: number): Uint8Array {
  const name = codecName(codec)
  if (name === 'UNCOMPRESSED') {
    if (bytes.length !== uncompressedSize) {
      throw new MalformedFileError(`uncompressed page of ${bytes.length} bytes, its header says ${uncompressedSize}`)
    }
    return bytes
  }
  const decompressor = decompressors[name]
  if (decompressor === undefined) {
    throw new UnsupportedError(`${name} pages cannot be decompressed: rewrite the file with another codec`)
  }
  return decompressor(bytes, uncompressedSize)
}

/** Compressors in hyparquet-writer's form: one function per codec name. */
export type Compressors = { [name in CodecName]?: (input: Uint8Array) => Uint8Array }

/**
 * The compressor hyparquet-writer needs to write pages with `codec`, so written pages are compressed
 * by the same code as re-framed ones. Throws UnsupportedError up front for a codec we cannot write.
 */
export function compressorsFor(codec: CodecName): Compressors {
  const value = CompressionCodec[codec]
  if (value === undefined) throw new UnsupportedError(`unknown compression codec ${String(codec)}`)
  if (codec === 'LZO') throw new UnsupportedError(NO_LZO_COMPRESSION)
  if (codec === 'UNCOMPRESSED') return {}
  return { [codec]: (input: Uint8Array) => compress(value, input) }
}
