import { open } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { writeFileAtomic } from '../io/atomic-write.js'
import { crc32 } from './crc32.js'

/**
 * Hadoop's ChecksumFileSystem (the local file system Spark writes through) keeps `.<name>.crc` beside
 * each file: the magic "crc\0", a big-endian int32 bytesPerChecksum, then one big-endian CRC-32 per
 * chunk of that many bytes. A reader that finds the sidecar checks every chunk (ChecksumException on
 * a mismatch), so a file pme rewrites must have its sidecar rewritten too.
 */
const MAGIC = [0x63, 0x72, 0x63, 0x00]
const DEFAULT_BYTES_PER_CHECKSUM = 512
/** A bytesPerChecksum beyond this is not Hadoop's (its default is 512): the default is used instead. */
const MAX_BYTES_PER_CHECKSUM = 1 << 20
/** Bytes read at a time, a whole number of chunks. */
const READ_BYTES = 1 << 20

export function checksumSidecarPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.crc`)
}

/** The bytesPerChecksum of an existing sidecar, or undefined when there is none. */
async function sidecarBytesPerChecksum(sidecar: string): Promise<number | undefined> {
  let header: Buffer
  try {
    const handle = await open(sidecar, 'r')
    try {
      header = Buffer.alloc(8)
      const { bytesRead } = await handle.read(header, 0, 8, 0)
      header = header.subarray(0, bytesRead)
    } finally {
      await handle.close()
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  const valid = header.length === 8 && MAGIC.every((byte, i) => header[i] === byte)
  const bytesPerChecksum = valid ? header.readInt32BE(4) : 0
  return bytesPerChecksum > 0 && bytesPerChecksum <= MAX_BYTES_PER_CHECKSUM
    ? bytesPerChecksum
    : DEFAULT_BYTES_PER_CHECKSUM
}

/** The sidecar's bytes for `path`'s current content, as Hadoop's ChecksumFSOutputSummer writes them. */
export async function hadoopChecksumBytes(
  path: string,
  bytesPerChecksum = DEFAULT_BYTES_PER_CHECKSUM,
): Promise<Uint8Array> {
  const sums: Buffer[] = []
  const header = Buffer.alloc(8)
  header.set(MAGIC)
  header.writeInt32BE(bytesPerChecksum, 4)
  sums.push(header)
  const handle = await open(path, 'r')
  try {
    const buffer = Buffer.alloc(Math.max(1, Math.floor(READ_BYTES / bytesPerChecksum)) * bytesPerChecksum)
    let position = 0
    for (;;) {
      let filled = 0
      while (filled < buffer.length) {
        const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, position + filled)
        if (bytesRead === 0) break
        filled += bytesRead
      }
      if (filled === 0) break
      const out = Buffer.alloc(Math.ceil(filled / bytesPerChecksum) * 4)
      for (let at = 0, i = 0; at < filled; at += bytesPerChecksum, i += 4) {
        out.writeInt32BE(crc32(buffer.subarray(at, Math.min(at + bytesPerChecksum, filled))), i)
      }
      sums.push(out)
      position += filled
      if (filled < buffer.length) break
    }
  } finally {
    await handle.close()
  }
  return Buffer.concat(sums)
}

/**
 * After `path` was rewritten: rewrites its Hadoop `.crc` sidecar when it has one (keeping its
 * bytesPerChecksum), atomically. A file without a sidecar gets none: Hadoop reads it unchecked.
 * Returns whether a sidecar was rewritten.
 */
export async function refreshChecksumSidecar(path: string): Promise<boolean> {
  const sidecar = checksumSidecarPath(path)
  const bytesPerChecksum = await sidecarBytesPerChecksum(sidecar)
  if (bytesPerChecksum === undefined) return false
  const bytes = await hadoopChecksumBytes(path, bytesPerChecksum)
  await writeFileAtomic(sidecar, async (append) => {
    await append(bytes)
  })
  return true
}
