import { compressors } from 'hyparquet-compressors'
import { compress as lz4CompressWithSize } from 'lz4-wasm-nodejs'
import { describe, expect, it } from 'vitest'
import { MalformedFileError, UnsupportedError } from '../src/errors.js'
import {
  type CodecName,
  CompressionCodec,
  codecName,
  compress,
  compressorsFor,
  decompress,
  loadCodecs,
} from '../src/pages/codecs.js'
import { HADOOP_LZ4_BLOCK_SIZE } from '../src/pages/lz4-hadoop.js'
import { expectSameBytes } from './helpers/bytes.js'

// zstd's WebAssembly loads asynchronously: the writers await this themselves, these tests call compress() directly.
await loadCodecs()

/*
 * Every codec we write round-trips through our decompress, and through hyparquet-compressors called
 * directly: its decoders (hysnappy, its own gzip/brotli/LZ4, fzstd) are independent of the encoders
 * (snappyjs, zlib, lz4_flex, the zstd reference library), so this is the interop check. The pyarrow
 * check of files in each codec is in pages-pyarrow.test.ts.
 */

const WRITABLE: readonly CodecName[] = ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'BROTLI', 'LZ4', 'ZSTD', 'LZ4_RAW']
const COMPRESSING = WRITABLE.filter((name) => name !== 'UNCOMPRESSED')

function randomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length)
  let state = seed >>> 0
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    out[i] = state >>> 24
  }
  return out
}

/** Text-like data with long repeats: what a page of PLAIN strings or RLE levels looks like. */
function repetitiveBytes(length: number): Uint8Array {
  const pattern = new TextEncoder().encode('parquet modular encryption, page after page; ')
  return Uint8Array.from({ length }, (_, i) => pattern[i % pattern.length] as number)
}

const INPUTS: readonly (readonly [label: string, bytes: Uint8Array])[] = [
  ['1 byte', Uint8Array.of(42)],
  ['13 random bytes', randomBytes(13, 1)],
  ['100 random bytes', randomBytes(100, 2)],
  ['64 KiB + 1 random bytes', randomBytes(65537, 3)],
  ['300 KiB random bytes', randomBytes(300 * 1024, 4)],
  ['100 KiB repetitive bytes', repetitiveBytes(100 * 1024)],
  ['1 MiB repetitive bytes', repetitiveBytes(1024 * 1024)],
  ['1000 zero bytes', new Uint8Array(1000)],
]

const CASES = WRITABLE.flatMap((name) => INPUTS.map(([label, bytes]) => [name, label, bytes] as const))

describe('compress and decompress', () => {
  it.each(CASES)('%s round-trips %s', (name, _label, bytes) => {
    const compressed = compress(CompressionCodec[name], bytes)
    expectSameBytes(decompress(CompressionCodec[name], compressed, bytes.length), bytes)
  })

  it.each(CASES.filter(([name]) => name !== 'UNCOMPRESSED'))(
    '%s output of %s decompresses with hyparquet-compressors directly',
    (name, _label, bytes) => {
      const decompressor = compressors[name as keyof typeof compressors]
      if (!decompressor) throw new Error(`hyparquet-compressors has no ${name}`)
      const compressed = compress(CompressionCodec[name], bytes)
      expectSameBytes(decompressor(compressed, bytes.length), bytes)
    },
  )

  it.each(COMPRESSING)('%s makes repetitive data much smaller', (name) => {
    const bytes = repetitiveBytes(1024 * 1024)
    expect(compress(CompressionCodec[name], bytes).length).toBeLessThan(bytes.length / 10)
  })

  it('UNCOMPRESSED returns the bytes as they are', () => {
    const bytes = randomBytes(50, 5)
    expect(compress(CompressionCodec.UNCOMPRESSED, bytes)).toEqual(bytes)
    expect(decompress(CompressionCodec.UNCOMPRESSED, bytes, 50)).toEqual(bytes)
  })

  it.each(WRITABLE)('%s round-trips an empty input', (name) => {
    const compressed = compress(CompressionCodec[name], new Uint8Array(0))
    expect(decompress(CompressionCodec[name], compressed, 0)).toEqual(new Uint8Array(0))
  })

  it('returns plain Uint8Arrays, not Node Buffers', () => {
    for (const name of WRITABLE) {
      const compressed = compress(CompressionCodec[name], Uint8Array.from(randomBytes(10, 6)))
      expect(Buffer.isBuffer(compressed), name).toBe(false)
    }
  })
})

describe('the codec numbers of parquet.thrift', () => {
  it('names each CompressionCodec value', () => {
    const expected = ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'LZO', 'BROTLI', 'LZ4', 'ZSTD', 'LZ4_RAW']
    expect(expected.map((_, value) => codecName(value))).toEqual(expected)
  })

  it.each([8, -1, 1.5, Number.NaN])('codec %s is unknown to compress and decompress', (codec) => {
    expect(() => compress(codec, Uint8Array.of(1))).toThrow(UnsupportedError)
    expect(() => decompress(codec, Uint8Array.of(1), 1)).toThrow(UnsupportedError)
    expect(() => compress(codec, Uint8Array.of(1))).toThrow(`unknown compression codec ${codec}`)
  })

  it('LZO can be neither written nor read, and says so', () => {
    expect(() => compress(CompressionCodec.LZO, Uint8Array.of(1))).toThrow(UnsupportedError)
    expect(() => compress(CompressionCodec.LZO, Uint8Array.of(1))).toThrow(/LZO compression is not supported/)
    expect(() => decompress(CompressionCodec.LZO, Uint8Array.of(1), 1)).toThrow(UnsupportedError)
    expect(() => decompress(CompressionCodec.LZO, Uint8Array.of(1), 1)).toThrow(/LZO pages cannot be decompressed/)
  })
})

describe('malformed compressed data', () => {
  it("ZSTD: a header size other than the frame's is a MalformedFileError", () => {
    const compressed = compress(CompressionCodec.ZSTD, repetitiveBytes(5000))
    expect(() => decompress(CompressionCodec.ZSTD, compressed, 4000)).toThrow(MalformedFileError)
    expect(() => decompress(CompressionCodec.ZSTD, compressed, 6000)).toThrow(/zstd frame holds 5000 bytes/)
  })

  it.each(['LZ4', 'LZ4_RAW'] as const)('%s: a header size too small for the data is a MalformedFileError', (name) => {
    const compressed = compress(CompressionCodec[name], repetitiveBytes(5000))
    expect(() => decompress(CompressionCodec[name], compressed, 4000)).toThrow(MalformedFileError)
  })

  it.each(['SNAPPY', 'GZIP', 'BROTLI', 'ZSTD'] as const)('%s: garbage is a MalformedFileError', (name) => {
    const garbage = Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 0xf0) & 0xff)
    expect(() => decompress(CompressionCodec[name], garbage, 1000)).toThrow(MalformedFileError)
  })

  it('an UNCOMPRESSED page of another size than its header says is a MalformedFileError', () => {
    expect(() => decompress(CompressionCodec.UNCOMPRESSED, new Uint8Array(10), 11)).toThrow(MalformedFileError)
  })
})

describe('the Hadoop framing of LZ4', () => {
  function blocks(framed: Uint8Array): { uncompressed: number; compressed: number }[] {
    const view = new DataView(framed.buffer, framed.byteOffset, framed.byteLength)
    const out: { uncompressed: number; compressed: number }[] = []
    for (let offset = 0; offset < framed.length; ) {
      const uncompressed = view.getUint32(offset, false)
      const compressed = view.getUint32(offset + 4, false)
      out.push({ uncompressed, compressed })
      offset += 8 + compressed
      expect(offset).toBeLessThanOrEqual(framed.length)
    }
    return out
  }

  it('cuts the input into 128 KiB blocks, each with big-endian lengths, that fill the output exactly', () => {
    const bytes = randomBytes(300 * 1024, 7)
    const found = blocks(compress(CompressionCodec.LZ4, bytes))
    expect(HADOOP_LZ4_BLOCK_SIZE).toBe(128 * 1024)
    expect(found.map((block) => block.uncompressed)).toEqual([128 * 1024, 128 * 1024, 44 * 1024])
  })

  it('frames each block as raw LZ4 that LZ4_RAW decompression reads', () => {
    const bytes = repetitiveBytes(1000)
    const framed = compress(CompressionCodec.LZ4, bytes)
    const [block] = blocks(framed)
    expect(block?.uncompressed).toBe(1000)
    const raw = framed.subarray(8)
    expect(raw.length).toBe(block?.compressed)
    expect(decompress(CompressionCodec.LZ4_RAW, raw, 1000)).toEqual(bytes)
  })

  it('writes nothing for an empty input (Arrow C++ and hyparquet read zero blocks as empty)', () => {
    expect(compress(CompressionCodec.LZ4, new Uint8Array(0))).toEqual(new Uint8Array(0))
  })
})

describe('compressorsFor (hyparquet-writer compressors)', () => {
  it.each(COMPRESSING)('%s: one function under the codec name that compresses as compress() does', (name) => {
    const found = compressorsFor(name)
    expect(Object.keys(found)).toEqual([name])
    const bytes = repetitiveBytes(3000)
    const compressed = found[name]?.(bytes) as Uint8Array
    expect(decompress(CompressionCodec[name], compressed, bytes.length)).toEqual(bytes)
  })

  it('UNCOMPRESSED needs no compressor', () => {
    expect(compressorsFor('UNCOMPRESSED')).toEqual({})
  })

  it('LZO fails up front, before any page is written', () => {
    expect(() => compressorsFor('LZO')).toThrow(UnsupportedError)
  })
})

describe('contracts of the compression packages', () => {
  it('lz4-wasm-nodejs prepends the uncompressed size as a u32le (compress() drops those 4 bytes)', () => {
    const bytes = repetitiveBytes(70000)
    const withSize = lz4CompressWithSize(bytes)
    expect(new DataView(withSize.buffer, withSize.byteOffset).getUint32(0, true)).toBe(70000)
    expect(compress(CompressionCodec.LZ4_RAW, bytes)).toEqual(withSize.subarray(4))
  })

  it('hyparquet-compressors rejects the one zero byte that is an empty LZ4 block (why decompress short-cuts size 0)', () => {
    expect(compress(CompressionCodec.LZ4_RAW, new Uint8Array(0))).toEqual(Uint8Array.of(0))
    expect(() => compressors.LZ4_RAW?.(Uint8Array.of(0), 0)).toThrow()
  })

  it.each(['GZIP', 'BROTLI'] as const)(
    'hyparquet-compressors takes the header size of %s on trust: a wrong one goes undetected',
    (name) => {
      const compressed = compress(CompressionCodec[name], repetitiveBytes(5000))
      expect(decompress(CompressionCodec[name], compressed, 4000).length).toBe(4000)
      expect(decompress(CompressionCodec[name], compressed, 6000).length).toBe(6000)
    },
  )

  it('hyparquet-compressors has no LZO decompressor', () => {
    expect(Object.keys(compressors)).not.toContain('LZO')
  })
})

describe('page sizes checked before anything is decompressed', () => {
  it('SNAPPY: a page header size other than the length header is refused before the decoder sizes its memory', () => {
    const compressed = compress(CompressionCodec.SNAPPY, repetitiveBytes(5000))
    expect(() => decompress(CompressionCodec.SNAPPY, compressed, 4000)).toThrow(/snappy length header 5000/)
    expect(() => decompress(CompressionCodec.SNAPPY, compressed, 6000)).toThrow(MalformedFileError)
  })

  it.each(['SNAPPY', 'GZIP', 'LZ4_RAW', 'ZSTD'] as const)(
    '%s: an uncompressed size the codec cannot reach from the page is refused before allocating it',
    (name) => {
      const compressed = compress(CompressionCodec[name], repetitiveBytes(5000))
      expect(() => decompress(CompressionCodec[name], compressed, 2 ** 31 - 1)).toThrow(/cannot hold/)
    },
  )

  it('LZ4: a Hadoop block length with its top bit set fails at once (read as signed, it looped forever)', () => {
    const input = Uint8Array.of(0, 0, 0, 1, 0xff, 0xff, 0xff, 0xf8, 0x10, 0x41, 0, 0, 0, 0, 0, 0, 0, 0)
    expect(() => decompress(CompressionCodec.LZ4, input, 1)).toThrow(MalformedFileError)
  })

  it('an empty page decompresses to nothing whatever the codec stored (Spark writes empty V2 pages)', () => {
    expect(decompress(CompressionCodec.SNAPPY, new Uint8Array(0), 0)).toEqual(new Uint8Array(0))
  })
})
