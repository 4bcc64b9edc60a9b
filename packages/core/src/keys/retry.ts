import { KmsUnavailableError, PmeError } from '../errors.js'

export interface RetryOptions {
  /** Attempts in all, the first included (default 4). */
  attempts?: number
  /** Delay before the first retry; doubles each time (default 100 ms). */
  baseDelayMs?: number
  /** Cap on one delay (default 2 s). */
  maxDelayMs?: number
  /** Which failures are worth another try: refused connections, 5xx, throttling, timeouts. */
  isTransient: (error: unknown) => boolean
  /** What the call was, for the final error ("wrap with master key k1"). */
  operation: string
  sleep?: (ms: number) => Promise<void>
  random?: () => number
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Runs a KMS call, retrying transient failures with exponential backoff and full jitter, a bounded
 * number of times; then fails with KmsUnavailableError. Other failures pass through at once.
 */
export async function withRetry<T>(call: () => Promise<T>, options: RetryOptions): Promise<T> {
  const { attempts = 4, baseDelayMs = 100, maxDelayMs = 2000, sleep = defaultSleep, random = Math.random } = options
  let last: unknown
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return await call()
    } catch (error) {
      if (PmeError.is(error) || !options.isTransient(error)) throw error
      last = error
      if (attempt < attempts) await sleep(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)))
    }
  }
  const reason = last instanceof Error ? last.message : String(last)
  throw new KmsUnavailableError(`KMS unavailable: ${options.operation} failed ${attempts} times (last: ${reason})`)
}
