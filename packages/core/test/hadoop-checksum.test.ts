import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as zlib from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checksumSidecarPath, hadoopChecksumBytes, refreshChecksumSidecar } from '../src/format/hadoop-checksum.js'

// zlib's CRC-32 is an implementation independent of ours (Node >= 20.15); the Spark suite in
// integration/ compares with sidecars Hadoop itself wrote.
const zlibCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32

/** The sidecar as Hadoop's ChecksumFSOutputSummer lays it out, written independently here. */
function expectedSidecar(data: Buffer, bytesPerChecksum: number): Buffer {
  const crc = zlibCrc32 as (data: Uint8Array) => number
  const parts = [Buffer.from('crc\0', 'latin1'), Buffer.alloc(4)]
  parts[1]?.writeUInt32BE(bytesPerChecksum)
  for (let at = 0; at < data.length; at += bytesPerChecksum) {
    const sum = Buffer.alloc(4)
    sum.writeUInt32BE(crc(data.subarray(at, at + bytesPerChecksum)) >>> 0)
    parts.push(sum)
  }
  return Buffer.concat(parts)
}

describe.skipIf(!zlibCrc32)('Hadoop .crc sidecars', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pme-crc-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('lays out magic, bytesPerChecksum and one CRC-32 per chunk, the last one short', async () => {
    const data = Buffer.from(Array.from({ length: 2_000_000 + 77 }, (_, i) => (i * 31) & 0xff))
    const path = join(dir, 'big.bin')
    await writeFile(path, data)
    expect(Buffer.from(await hadoopChecksumBytes(path))).toEqual(expectedSidecar(data, 512))
    expect(Buffer.from(await hadoopChecksumBytes(path, 100))).toEqual(expectedSidecar(data, 100))
  })

  it('an empty file has the header only', async () => {
    const path = join(dir, 'empty.bin')
    await writeFile(path, '')
    expect(Buffer.from(await hadoopChecksumBytes(path))).toEqual(expectedSidecar(Buffer.alloc(0), 512))
  })

  it('rewrites an existing sidecar with its own bytesPerChecksum, and creates none', async () => {
    const path = join(dir, 'part-0.parquet')
    await writeFile(path, 'old content')
    await writeFile(checksumSidecarPath(path), expectedSidecar(Buffer.from('old content'), 4))
    await writeFile(path, 'new content, longer')
    expect(await refreshChecksumSidecar(path)).toBe(true)
    expect(await readFile(join(dir, '.part-0.parquet.crc'))).toEqual(
      expectedSidecar(Buffer.from('new content, longer'), 4),
    )
    const bare = join(dir, 'no-sidecar.parquet')
    await writeFile(bare, 'x')
    expect(await refreshChecksumSidecar(bare)).toBe(false)
    await expect(readFile(checksumSidecarPath(bare))).rejects.toMatchObject({ code: 'ENOENT' })
  })
})
