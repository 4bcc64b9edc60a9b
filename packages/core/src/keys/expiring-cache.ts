/** A clock in milliseconds; tests pass their own. */
export type Clock = () => number

interface Entry<V> {
  readonly value: Promise<V>
  readonly expires: number
}

/** Called with each value a cache drops (expired, replaced, cleared), e.g. to close a client; it may still be loading. */
export type OnEvict<V> = (value: Promise<V>) => void

/**
 * Values by key, each kept for a lifetime, loaded at most once at a time: concurrent get()s of a
 * missing key share one load (single flight). A failed load is not kept.
 */
export class ExpiringCache<V> {
  private readonly entries = new Map<string, Entry<V>>()
  private lastSweep: number
  private lastUse: number

  constructor(
    private readonly lifetimeMs: number,
    private readonly clock: Clock = Date.now,
    private readonly onEvict?: OnEvict<V>,
  ) {
    this.lastSweep = clock()
    this.lastUse = this.lastSweep
  }

  /** Unused for a whole lifetime: every entry has expired, and the cache can be dropped. */
  isIdle(now: number): boolean {
    return now - this.lastUse >= this.lifetimeMs
  }

  /** Drops expired entries, at most once per lifetime, so a long-running process does not grow. */
  private sweep(now: number): void {
    if (now - this.lastSweep < this.lifetimeMs) return
    this.lastSweep = now
    for (const [key, entry] of this.entries) if (entry.expires <= now) this.evict(key, entry)
  }

  private evict(key: string, entry: Entry<V>): void {
    this.entries.delete(key)
    this.onEvict?.(entry.value)
  }

  get(key: string, load: () => Promise<V>): Promise<V> {
    const now = this.clock()
    this.lastUse = now
    this.sweep(now)
    const entry = this.entries.get(key)
    if (entry && entry.expires > now) return entry.value
    if (entry) this.evict(key, entry)
    const value = load()
    this.entries.set(key, { value, expires: now + this.lifetimeMs })
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key)
    })
    return value
  }

  clear(): void {
    for (const [key, entry] of this.entries) this.evict(key, entry)
  }
}

/**
 * parquet-java's TwoLevelCacheWithExpiration: an ExpiringCache per access token, so one token's
 * keys are never served to another, and a token's entries can be flushed on their own.
 */
export class TokenCache<V> {
  private readonly byToken = new Map<string, ExpiringCache<V>>()
  private lastSweep: number

  constructor(
    private readonly clock: Clock = Date.now,
    private readonly onEvict?: OnEvict<V>,
  ) {
    this.lastSweep = clock()
  }

  /**
   * The token's cache; its lifetime is set by the call that creates it. A token's cache unused for a
   * whole lifetime is replaced, and such caches are dropped (at most once per lifetime), so a
   * long-running process does not keep the keys of tokens it no longer sees.
   */
  forToken(token: string, lifetimeMs: number): ExpiringCache<V> {
    const now = this.clock()
    if (now - this.lastSweep >= lifetimeMs) {
      this.lastSweep = now
      for (const [key, cache] of this.byToken) if (cache.isIdle(now)) this.drop(key, cache)
    }
    let cache = this.byToken.get(token)
    if (!cache || cache.isIdle(now)) {
      if (cache) this.drop(token, cache)
      cache = new ExpiringCache<V>(lifetimeMs, this.clock, this.onEvict)
      this.byToken.set(token, cache)
    }
    return cache
  }

  private drop(token: string, cache: ExpiringCache<V>): void {
    this.byToken.delete(token)
    cache.clear()
  }

  removeToken(token: string): void {
    const cache = this.byToken.get(token)
    if (cache) this.drop(token, cache)
  }

  clear(): void {
    for (const [token, cache] of this.byToken) this.drop(token, cache)
  }
}
