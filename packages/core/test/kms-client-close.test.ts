import { describe, expect, it } from 'vitest'
import { CryptoFactory } from '../src/keys/crypto-factory.js'
import type { KmsClient, KmsConnectionConfig } from '../src/keys/kms-client.js'
import { FakeClock } from './helpers/test-kms.js'

/*
 * KmsClient.close: a CryptoFactory closes a cached client when its cache drops it (lifetime over,
 * token removed), only after the client's calls in flight have finished, and every client on close().
 */

/** Clients whose calls wait for `release()`, recording when each was closed. */
class ClosableKms {
  readonly clients: { token: string; closed: boolean; log: string[] }[] = []
  private pending: (() => void)[] = []

  readonly factory = (config: KmsConnectionConfig): KmsClient => {
    const state = { token: config.keyAccessToken, closed: false, log: [] as string[] }
    this.clients.push(state)
    const call = async (what: string) => {
      if (state.closed) throw new Error('used after close')
      state.log.push(`${what} start`)
      await new Promise<void>((resolve) => this.pending.push(resolve))
      state.log.push(`${what} end`)
    }
    return {
      wrapKey: async (key, id) => {
        await call('wrap')
        return `${id}:${Buffer.from(key).toString('base64')}`
      },
      unwrapKey: async (wrapped) => {
        await call('unwrap')
        return new Uint8Array(Buffer.from(wrapped.split(':')[1] ?? '', 'base64'))
      },
      close: async () => {
        state.log.push('close')
        state.closed = true
      },
    }
  }

  release(): void {
    for (const resolve of this.pending.splice(0)) resolve()
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve))
const conn = (token: string) => ({ keyAccessToken: token, kmsInstanceId: 'i' }) as KmsConnectionConfig

describe('KmsClient.close through a CryptoFactory', () => {
  it('closes a client whose lifetime is over when a new one replaces it, after its call in flight', async () => {
    const kms = new ClosableKms()
    const clock = new FakeClock()
    const factory = new CryptoFactory(kms.factory, clock.read)
    const first = await factory.kmsClient(conn('t'), 100_000)
    const inFlight = first.wrapKey(new Uint8Array([1]), 'mk')
    await settle()
    clock.advanceSeconds(101)
    const second = await factory.kmsClient(conn('t'), 100_000)
    expect(second).not.toBe(first)
    await settle()
    expect(kms.clients[0]?.log).toEqual(['wrap start']) // not closed under the running call
    kms.release()
    expect(await inFlight).toBe('mk:AQ==')
    await settle()
    expect(kms.clients[0]?.log).toEqual(['wrap start', 'wrap end', 'close'])
    expect(kms.clients[1]?.closed).toBe(false)
  })

  it('removeCacheEntriesForToken closes that token only; close() closes every client and waits for it', async () => {
    const kms = new ClosableKms()
    const factory = new CryptoFactory(kms.factory)
    await factory.kmsClient(conn('a'), 600_000)
    const b = await factory.kmsClient(conn('b'), 600_000)
    factory.removeCacheEntriesForToken('a')
    await settle()
    expect(kms.clients.map((client) => client.closed)).toEqual([true, false])
    const unwrapping = b.unwrapKey('mk:AQ==', 'mk')
    await settle()
    let closed = false
    const closing = factory.close().then(() => {
      closed = true
    })
    await settle()
    expect(closed).toBe(false) // waits for b's call
    kms.release()
    await closing
    expect(await unwrapping).toEqual(new Uint8Array([1]))
    expect(kms.clients.map((client) => client.closed)).toEqual([true, true])
  })

  it('a client without close() is simply dropped; the factory stays usable after close()', async () => {
    const factory = new CryptoFactory(() => ({
      wrapKey: async () => 'w',
      unwrapKey: async () => new Uint8Array(16),
    }))
    await factory.kmsClient(conn('t'), 1_000)
    await factory.close()
    expect(await (await factory.kmsClient(conn('t'), 1_000)).wrapKey(new Uint8Array(16), 'mk')).toBe('w')
  })
})
