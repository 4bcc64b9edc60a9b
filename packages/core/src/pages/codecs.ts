import { brotliCompressSync, gzipSync, constants as zlibConstants } from 'node:zlib'
import { init as initZstd, compress as zstdCompress } from '@bokuweb/zstd-wasm'
import { compressors } from 'hyparquet-compressors'
import { compress as lz4CompressWithSize } from 'lz4-wasm-nodejs'
import { compress as snappyCompress } from 'snappyjs'
import { MalformedFileError, UnsupportedError } from '../errors.js'
import { hadoopLz4Compress } from './lz4-hadoop.js'

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

/**
 * Decompresses with hyparquet-compressors, the decompressors the reader hands to hyparquet, so a
 * page is read the same way wherever it is decoded. Checks the size against the page header's.
 */
export function decompress(codec: number, bytes: Uint8Array, uncompressedSize: number): Uint8Array {
  const name = codecName(codec)
  if (name === 'UNCOMPRESSED') {
    if (bytes.length !== uncompressedSize) {
      throw new MalformedFileError(`uncompressed page of ${bytes.length} bytes, its header says ${uncompressedSize}`)
    }
    return bytes
  }
  const decompressor = compressors[name]
  if (decompressor === undefined) {
    throw new UnsupportedError(`${name} pages cannot be decompressed: rewrite the file with another codec`)
  }
  // The reference LZ4 writes an empty input as one zero byte, which hyparquet-compressors rejects.
  if (uncompressedSize === 0) return new Uint8Array(0)
  let output: Uint8Array
  try {
    output = decompressor(bytes, uncompressedSize)
  } catch (error) {
    throw new MalformedFileError(`cannot decompress a ${name} page: ${(error as Error).message}`)
  }
  if (output.length !== uncompressedSize) {
    throw new MalformedFileError(
      `${name} page decompressed to ${output.length} bytes, its header says ${uncompressedSize}`,
    )
  }
  return output
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
