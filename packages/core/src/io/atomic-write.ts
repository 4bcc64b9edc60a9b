import { randomBytes } from 'node:crypto'
import { type FileHandle, open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/** Appends bytes to the output; returns the offset at which they were written. */
export type Append = (bytes: Uint8Array) => Promise<number>

/**
 * A file written through a temp file in the same folder and renamed into place on commit, so readers
 * see either the old file or the complete new one. abort() (or a failed commit) removes the temp file.
 */
export class AtomicFile {
  private offset = 0

  private constructor(
    readonly path: string,
    private readonly temp: string,
    private readonly handle: FileHandle,
  ) {}

  static async create(path: string): Promise<AtomicFile> {
    const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
    return new AtomicFile(path, temp, await open(temp, 'wx'))
  }

  readonly append: Append = async (bytes) => {
    const at = this.offset
    let written = 0
    while (written < bytes.length) {
      const { bytesWritten } = await this.handle.write(bytes, written, bytes.length - written, at + written)
      written += bytesWritten
    }
    this.offset += bytes.length
    return at
  }

  async commit(): Promise<void> {
    try {
      await this.handle.sync()
      await this.handle.close()
      await rename(this.temp, this.path)
    } catch (error) {
      await this.abort()
      throw error
    }
  }

  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined)
    await rm(this.temp, { force: true })
  }
}

/** Runs `produce` against an AtomicFile: committed when it resolves, removed when it throws. */
export async function writeFileAtomic<T>(path: string, produce: (append: Append) => Promise<T>): Promise<T> {
  const file = await AtomicFile.create(path)
  let result: T
  try {
    result = await produce(file.append)
  } catch (error) {
    await file.abort()
    throw error
  }
  await file.commit()
  return result
}
