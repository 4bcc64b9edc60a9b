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
