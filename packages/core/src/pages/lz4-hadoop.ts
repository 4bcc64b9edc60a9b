/*
 * The deprecated LZ4 codec (CompressionCodec 5) is Hadoop's Lz4Codec framing around raw LZ4 blocks:
 * per block, the uncompressed and compressed lengths as big-endian u32, then the block. Arrow C++,
 * hyparquet and Hadoop all read a sequence of such blocks.
 */

/**
 * Hadoop's Lz4Decompressor holds one block in a 256 KiB buffer (io.compression.codec.lz4.buffersize),
 * so larger inputs are cut into blocks well below that.
 */
export const HADOOP_LZ4_BLOCK_SIZE = 128 * 1024

const PREFIX_LENGTH = 8

/** Frames `bytes` as Hadoop LZ4 blocks, compressing each with `compressBlock` (raw LZ4). */
export function hadoopLz4Compress(bytes: Uint8Array, compressBlock: (block: Uint8Array) => Uint8Array): Uint8Array {
  const blocks: Uint8Array[] = []
  for (let start = 0; start < bytes.length; start += HADOOP_LZ4_BLOCK_SIZE) {
    const input = bytes.subarray(start, start + HADOOP_LZ4_BLOCK_SIZE)
    const compressed = compressBlock(input)
    const block = new Uint8Array(PREFIX_LENGTH + compressed.length)
    const view = new DataView(block.buffer)
    view.setUint32(0, input.length, false)
    view.setUint32(4, compressed.length, false)
    block.set(compressed, PREFIX_LENGTH)
    blocks.push(block)
  }
  const out = new Uint8Array(blocks.reduce((sum, block) => sum + block.length, 0))
  let offset = 0
  for (const block of blocks) {
    out.set(block, offset)
    offset += block.length
  }
  return out
}

/**
 * Reads `input` as Hadoop LZ4 blocks into `outputLength` bytes, decompressing each with
 * `decompressBlock` (raw LZ4, to exactly the block's stated size). Returns undefined when the bytes are
 * not that framing (Arrow C++ then reads them as one raw LZ4 block, and so do callers). Lengths are
 * unsigned: hyparquet-compressors reads them as signed and can loop forever on a damaged one.
 */
export function hadoopLz4Decompress(
  input: Uint8Array,
  outputLength: number,
  decompressBlock: (block: Uint8Array, size: number) => Uint8Array,
): Uint8Array | undefined {
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength)
  const output = new Uint8Array(outputLength)
  let at = 0
  let written = 0
  while (input.length - at >= PREFIX_LENGTH) {
    const blockOutput = view.getUint32(at, false)
    const blockInput = view.getUint32(at + 4, false)
    at += PREFIX_LENGTH
    if (blockInput > input.length - at || blockOutput > outputLength - written) return undefined
    let block: Uint8Array
    try {
      block = decompressBlock(input.subarray(at, at + blockInput), blockOutput)
    } catch {
      return undefined
    }
    if (block.length !== blockOutput) return undefined
    output.set(block, written)
    written += blockOutput
    at += blockInput
  }
  return at === input.length && written === outputLength ? output : undefined
}
