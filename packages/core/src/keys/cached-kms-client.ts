import type { KmsClient } from './kms-client.js'

/**
 * A KmsClient as a CryptoFactory caches it: it counts the calls in flight, so that closing it (when
 * the cache drops it, or the factory is closed) closes the adapter's client only once the last of
 * those calls has finished, never under a running request.
 */
export class CachedKmsClient implements KmsClient {
  private inFlight = 0
  private onIdle: (() => void) | undefined
  private closing: Promise<void> | undefined

  constructor(private readonly client: KmsClient) {}

  wrapKey(key: Uint8Array, masterKeyId: string): Promise<string> {
    return this.track(() => this.client.wrapKey(key, masterKeyId))
  }

  unwrapKey(wrapped: string, masterKeyId: string): Promise<Uint8Array> {
    return this.track(() => this.client.unwrapKey(wrapped, masterKeyId))
  }

  /** Closes the adapter's client (if it has `close`) after the calls in flight; once. */
  close(): Promise<void> {
    this.closing ??= this.callsDone().then(() => this.client.close?.())
    return this.closing
  }

  private callsDone(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve()
    return new Promise((resolve) => {
      this.onIdle = resolve
    })
  }

  private async track<T>(call: () => Promise<T>): Promise<T> {
    this.inFlight++
    try {
      return await call()
    } finally {
      this.inFlight--
      if (this.inFlight === 0) this.onIdle?.()
    }
  }
}
