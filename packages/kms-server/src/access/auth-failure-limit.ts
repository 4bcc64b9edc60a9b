import { UsageError } from '@pme/core'

/** How many failed authentications (401) one client address may have per window before it gets 429. */
export interface AuthFailureLimit {
  readonly maxFailures: number
  readonly windowMs: number
}

export const DEFAULT_AUTH_FAILURE_LIMIT: AuthFailureLimit = { maxFailures: 20, windowMs: 60_000 }

/** Addresses tracked at most: beyond, the oldest window is dropped (memory stays bounded under a flood). */
const MAX_ADDRESSES = 100_000

interface Window {
  readonly start: number
  failures: number
}

/**
 * Fixed windows of failed authentications per client address: after `maxFailures` in a window, every
 * key request from the address is refused (before its token is even looked at, so a right guess
 * gains nothing) until the window, which began at the first failure, has passed.
 */
export class AuthFailureLimiter {
  readonly #limit: AuthFailureLimit
  readonly #clock: () => number
  readonly #windows = new Map<string, Window>()

  constructor(limit: AuthFailureLimit = DEFAULT_AUTH_FAILURE_LIMIT, clock: () => number = Date.now) {
    if (!Number.isInteger(limit.maxFailures) || limit.maxFailures < 1)
      throw new UsageError('authFailureLimit.maxFailures must be a whole number >= 1')
    if (!Number.isInteger(limit.windowMs) || limit.windowMs < 1)
      throw new UsageError('authFailureLimit.windowMs must be a whole number >= 1')
    this.#limit = limit
    this.#clock = clock
  }

  #current(address: string, now: number): Window | undefined {
    const window = this.#windows.get(address)
    if (window && now - window.start >= this.#limit.windowMs) {
      this.#windows.delete(address)
      return undefined
    }
    return window
  }

  /** Seconds until the address may try again (for Retry-After), or 0 when it may now. */
  retryAfterSeconds(address: string): number {
    const now = this.#clock()
    const window = this.#current(address, now)
    if (!window || window.failures < this.#limit.maxFailures) return 0
    return Math.max(1, Math.ceil((window.start + this.#limit.windowMs - now) / 1000))
  }

  recordFailure(address: string): void {
    const now = this.#clock()
    const window = this.#current(address, now)
    if (window) {
      window.failures++
      return
    }
    if (this.#windows.size >= MAX_ADDRESSES) this.#evict(now)
    this.#windows.set(address, { start: now, failures: 1 })
  }

  /** Drops expired windows, and the oldest one if none has expired. */
  #evict(now: number): void {
    for (const [address, window] of this.#windows) {
      if (now - window.start >= this.#limit.windowMs) this.#windows.delete(address)
    }
    const oldest = this.#windows.keys().next()
    if (this.#windows.size >= MAX_ADDRESSES && !oldest.done) this.#windows.delete(oldest.value)
  }
}

/** The client's address as the limiter keys it (an IPv4 client of a dual-stack socket as plain IPv4). */
export function clientAddress(remoteAddress: string | undefined): string {
  if (!remoteAddress) return 'unknown'
  return remoteAddress.startsWith('::ffff:') ? remoteAddress.slice('::ffff:'.length) : remoteAddress
}
