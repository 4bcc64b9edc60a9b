import { readFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { MalformedFileError, MissingKeyError } from '../errors.js'
import { refreshChecksumSidecar } from '../format/hadoop-checksum.js'
import { writeFileAtomic } from '../io/atomic-write.js'
import { parseJsonObject } from './key-material.js'

/** parquet-java HadoopFSKeyMaterialStore naming: hidden from data listings by the leading underscore. */
export function keyMaterialPath(parquetFilePath: string): string {
  return join(dirname(parquetFilePath), `_KEY_MATERIAL_FOR_${basename(parquetFilePath)}.json`)
}

/**
 * External key material of one Parquet file: key reference ("footerKey", "columnKey0"...) -> the key
 * material JSON, stored as a JSON string (doubly encoded), as parquet-java and Arrow do.
 */
export class KeyMaterialStore {
  private constructor(
    readonly path: string,
    private readonly entries: Map<string, string>,
  ) {}

  static empty(parquetFilePath: string): KeyMaterialStore {
    return new KeyMaterialStore(keyMaterialPath(parquetFilePath), new Map())
  }

  static async load(parquetFilePath: string): Promise<KeyMaterialStore> {
    const path = keyMaterialPath(parquetFilePath)
    let text: string
    try {
      text = await readFile(path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new MissingKeyError(`the file's key material is external, and ${path} does not exist`, {
          file: parquetFilePath,
        })
      }
      throw error
    }
    const json = parseJsonObject(text, `key material file ${path}`)
    const entries = new Map<string, string>()
    for (const [reference, material] of Object.entries(json)) {
      if (typeof material !== 'string') throw new MalformedFileError(`entry ${reference} of ${path} is not a string`)
      entries.set(reference, material)
    }
    return new KeyMaterialStore(path, entries)
  }

  get(reference: string): string {
    const material = this.entries.get(reference)
    if (material === undefined) throw new MissingKeyError(`no key material "${reference}" in ${this.path}`)
    return material
  }

  references(): string[] {
    return [...this.entries.keys()]
  }

  set(reference: string, material: string): void {
    this.entries.set(reference, material)
  }

  /**
   * Writes the store through a temp file and a rename: readers see the old or the new store, whole.
   * A Hadoop `.crc` sidecar left by Spark is rewritten to match (a stale one fails Spark's reads).
   */
  async save(): Promise<void> {
    const text = JSON.stringify(Object.fromEntries(this.entries))
    await writeFileAtomic(this.path, async (append) => {
      await append(new TextEncoder().encode(text))
    })
    await refreshChecksumSidecar(this.path)
  }
}
