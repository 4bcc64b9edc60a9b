import { describe, expect, it } from 'vitest'
import { LocalKms } from '../src/index.js'
import { caught, DEK, KEY_LIST } from './helpers.js'

/* Call counters, per master key and in total. */

describe('LocalKms.stats', () => {
  it('starts at zero', () => {
    expect(new LocalKms(KEY_LIST).stats()).toEqual({
      total: { wrapCalls: 0, unwrapCalls: 0, denied: 0 },
      byMasterKey: {},
    })
  })

  it('counts wrap and unwrap calls per master key and in total', () => {
    const kms = new LocalKms(KEY_LIST)
    const wrapped = kms.wrap(DEK, 'kf')
    kms.wrap(DEK, 'kf')
    kms.wrap(DEK, 'kc1')
    kms.unwrap(wrapped, 'kf')
    expect(kms.stats()).toEqual({
      total: { wrapCalls: 3, unwrapCalls: 1, denied: 0 },
      byMasterKey: {
        kf: { wrapCalls: 2, unwrapCalls: 1, denied: 0 },
        kc1: { wrapCalls: 1, unwrapCalls: 0, denied: 0 },
      },
    })
  })

  it('counts denied calls as calls and as denied', async () => {
    const kms = new LocalKms(KEY_LIST, { acl: { reader: ['kc1'] } })
    await caught(() => kms.wrap(DEK, 'kf', 'reader'))
    await caught(() => kms.unwrap('AAAA', 'kf', 'nobody'))
    expect(kms.stats().byMasterKey.kf).toEqual({ wrapCalls: 1, unwrapCalls: 1, denied: 2 })
    expect(kms.stats().total).toEqual({ wrapCalls: 1, unwrapCalls: 1, denied: 2 })
  })

  it('counts failed calls; calls naming unknown ids count in the total only', async () => {
    const kms = new LocalKms(KEY_LIST)
    await caught(() => kms.unwrap(kms.wrap(DEK, 'kc1'), 'kc2'))
    await caught(() => kms.wrap(DEK, 'unknown-1'))
    await caught(() => kms.unwrap('AAAA', 'unknown-2'))
    const stats = kms.stats()
    expect(stats.total).toEqual({ wrapCalls: 2, unwrapCalls: 2, denied: 0 })
    expect(Object.keys(stats.byMasterKey).sort()).toEqual(['kc1', 'kc2'])
  })

  it('returns a snapshot, and resetStats starts over', () => {
    const kms = new LocalKms(KEY_LIST)
    kms.wrap(DEK, 'kf')
    const snapshot = kms.stats()
    kms.wrap(DEK, 'kf')
    expect(snapshot.total.wrapCalls).toBe(1)
    expect(kms.stats().total.wrapCalls).toBe(2)
    kms.resetStats()
    expect(kms.stats()).toEqual({ total: { wrapCalls: 0, unwrapCalls: 0, denied: 0 }, byMasterKey: {} })
  })

  it('gives an id spelt __proto__ its own row', () => {
    const kms = new LocalKms(new Map([['__proto__', new Uint8Array(16)]]))
    kms.wrap(DEK, '__proto__')
    const { byMasterKey } = kms.stats()
    expect(Object.hasOwn(byMasterKey, '__proto__')).toBe(true)
    expect(Object.getPrototypeOf(byMasterKey)).toBe(Object.prototype)
  })
})
