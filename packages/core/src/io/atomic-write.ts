import { randomBytes } from 'node:crypto'
import { open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/** Appends bytes to the output; returns the offset at which they were written. */
export type Append = (bytes: Uint8Array) => Promise<number>

/**
 * Writes a file through a temp file in the same folder and renames it into place, so readers see
 * either the old file or the complete new one. On any failure the temp file is removed.
 */
export async function writeFileAtomic<T>(path: string, produce: (append: Append) => Promise<T>): Promise<T> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  const handle = await open(temp, 'wx')
  let offset = 0
  try {
    const result = await produce(async (bytes) => {
      const at = offset
      let written = 0
      while (written < bytes.length) {
        const { bytesWritten } = await handle.write(bytes, written, bytes.length - written, at + written)
        written += bytesWritten
      }
      offset += bytes.length
      return at
    })
    await handle.sync()
    await handle.close()
    await rename(temp, path)
    return result
  } catch (error) {
    await handle.close().catch(() => undefined)
    await rm(temp, { force: true })
    throw error
  }
}
