import { createHash, timingSafeEqual } from 'node:crypto'

const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest()

/**
 * Finds which configured token a caller sent, in constant time. Only SHA-256 digests are kept (the
 * tokens themselves are not, so a heap dump or `util.inspect` shows none), and the caller's digest
 * is compared with every entry by `timingSafeEqual`, without stopping at a match: the time taken
 * depends on the number of tokens, not on which one matched or how much of it was right.
 */
export class TokenRegistry<T> {
  readonly #entries: readonly { readonly digest: Buffer; readonly value: T }[]

  constructor(entries: Iterable<readonly [token: string, value: T]>) {
    this.#entries = [...entries].map(([token, value]) => ({ digest: digest(token), value }))
  }

  /** The value registered for `token`, or undefined when no configured token equals it. */
  find(token: string): T | undefined {
    const candidate = digest(token)
    let found: T | undefined
    for (const entry of this.#entries) {
      const equal = timingSafeEqual(candidate, entry.digest)
      found = equal ? entry.value : found
    }
    return found
  }

  get size(): number {
    return this.#entries.length
  }
}
