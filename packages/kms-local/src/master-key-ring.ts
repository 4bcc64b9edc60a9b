import { InvalidKeyError, parseKeyList, UsageError } from '@pme/core'

/**
 * Master keys as parquet-java's key list (`"id: <base64>, id: <base64>"`, the value of
 * `parquet.encryption.key.list`) or as a map of id to raw key bytes.
 */
export type MasterKeySource = string | ReadonlyMap<string, Uint8Array>

function toMap(source: MasterKeySource): ReadonlyMap<string, Uint8Array> {
  return typeof source === 'string' ? parseKeyList(source) : source
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index])
}

/**
 * Every version of every master key, oldest first. Versions are never dropped: files whose keys were
 * wrapped before a rotation must stay readable until they are re-wrapped.
 */
export class MasterKeyRing {
  // Private (#) so that util.inspect and console.log of a KMS never print key bytes.
  readonly #versions = new Map<string, Uint8Array[]>()

  /**
   * Adds a version for each id of `source`, which becomes current. A key equal to the current version
   * adds nothing, so running the same rotation twice does not grow the ring. Every key is checked
   * before any is added: a bad list changes nothing.
   */
  add(source: MasterKeySource): void {
    const keys = toMap(source)
    if (keys.size === 0) throw new UsageError('the master key list is empty')
    for (const [id, key] of keys) {
      if (id === '') throw new UsageError('a master key has an empty id')
      if (!(key instanceof Uint8Array)) throw new InvalidKeyError(`master key "${id}" is not a byte array`)
      if (key.length !== 16 && key.length !== 24 && key.length !== 32) {
        throw new InvalidKeyError(`master key "${id}" must be 16, 24 or 32 bytes, got ${key.length}`)
      }
    }
    for (const [id, key] of keys) {
      const versions = this.#versions.get(id) ?? []
      const current = versions[versions.length - 1]
      // A copy: the caller may reuse or zero its buffer without changing the KMS.
      if (!current || !sameBytes(current, key)) versions.push(Uint8Array.from(key))
      this.#versions.set(id, versions)
    }
  }

  has(id: string): boolean {
    return this.#versions.has(id)
  }

  /** The version new wraps use; undefined for an unknown id. */
  current(id: string): Uint8Array | undefined {
    const versions = this.#versions.get(id)
    return versions?.[versions.length - 1]
  }

  /** All versions, the current one first: the order in which unwrap tries them. */
  newestFirst(id: string): readonly Uint8Array[] {
    return [...(this.#versions.get(id) ?? [])].reverse()
  }

  /** How many versions an id has (0 when unknown). */
  versionCount(id: string): number {
    return this.#versions.get(id)?.length ?? 0
  }

  ids(): string[] {
    return [...this.#versions.keys()]
  }
}
