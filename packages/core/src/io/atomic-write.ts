import { type FileHandle, open, rename, rm } from 'node:fs/promises'
import { releaseTempPath, removeStaleTempFiles, tempPathFor } from './temp-files.js'

/** Appends bytes to the output; returns the offset at which they were written. */
export type Append = (bytes: Uint8Array) => Promise<number>

/**
 * A file written through a temp file in the same folder and renamed into place on commit, so readers
 * see either the old file or the complete new one. abort() (or a failed commit) removes the temp file;
 * so do SIGINT and SIGTERM, and temp files of writers that died are removed by the next create().
 */
export class AtomicFile {
  private offset = 0

  private constructor(
    readonly path: string,
    private readonly temp: string,
    private readonly handle: FileHandle,
  ) {}

  static async create(path: string): Promise<AtomicFile> {
    await removeStaleTempFiles(path)
    const temp = tempPathFor(path)
    try {
      return new AtomicFile(path, temp, await open(temp, 'wx'))
    } catch (error) {
      releaseTempPath(temp)
      throw error
    }
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
      releaseTempPath(this.temp)
    } catch (error) {
      await this.abort()
      throw error
    }
  }

  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined)
    await rm(this.temp, { force: true })
    releaseTempPath(this.temp)
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
