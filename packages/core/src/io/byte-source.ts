import { open, stat } from 'node:fs/promises'
import { MalformedFileError } from '../errors.js'

/** Random access to a file's bytes: a local path, a buffer, or anything with byteLength + slice. */
export interface ByteSource {
  readonly name: string
  readonly byteLength: number
  read(start: number, end: number): Promise<Uint8Array>
}

/** hyparquet's AsyncBuffer shape, so remote readers written for hyparquet plug in unchanged. */
export interface AsyncBufferLike {
  byteLength: number
  slice(start: number, end?: number): ArrayBuffer | Promise<ArrayBuffer>
}

export type ParquetSource = string | Uint8Array | AsyncBufferLike | ByteSource

function checkRange(name: string, byteLength: number, start: number, end: number): void {
  if (start < 0 || end > byteLength || start > end) {
    throw new MalformedFileError(`read of bytes ${start}..${end} is outside the ${byteLength}-byte file`, {
      file: name,
    })
  }
}

export function bufferSource(bytes: Uint8Array, name = '<buffer>'): ByteSource {
  return {
    name,
    byteLength: bytes.length,
    read: async (start, end) => {
      checkRange(name, bytes.length, start, end)
      return bytes.subarray(start, end)
    },
  }
}

/** Reads ranges on demand, opening the file per read: no handle outlives a call, nothing is preloaded. */
async function fileSource(path: string): Promise<ByteSource> {
  const { size } = await stat(path)
  return {
    name: path,
    byteLength: size,
    read: async (start, end) => {
      checkRange(path, size, start, end)
      const handle = await open(path, 'r')
      try {
        const bytes = new Uint8Array(end - start)
        let filled = 0
        while (filled < bytes.length) {
          const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, start + filled)
          if (bytesRead === 0) throw new MalformedFileError('file shrank while being read', { file: path })
          filled += bytesRead
        }
        return bytes
      } finally {
        await handle.close()
      }
    },
  }
}

function isByteSource(source: object): source is ByteSource {
  return 'read' in source && 'name' in source
}

export async function toByteSource(source: ParquetSource, name?: string): Promise<ByteSource> {
  if (typeof source === 'string') return fileSource(source)
  if (source instanceof Uint8Array) return bufferSource(source, name)
  if (isByteSource(source)) return source
  const label = name ?? '<async buffer>'
  return {
    name: label,
    byteLength: source.byteLength,
    read: async (start, end) => {
      checkRange(label, source.byteLength, start, end)
      return new Uint8Array(await source.slice(start, end))
    },
  }
}
