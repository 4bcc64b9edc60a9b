import { InvalidKeyError, KmsError, UsageError } from '@pme/core'
import { describe, expect, it } from 'vitest'
import { LocalKms } from '../src/index.js'
import { ascii, b64, caught, DEK, expectNoSecrets, KC1, KC2, KEY_LIST, KF } from './helpers.js'

/* Wrap and unwrap with one LocalKms: round trips, the wrapped-key form, and the errors. */

describe('LocalKms wrap/unwrap', () => {
  const kms = new LocalKms(KEY_LIST)

  it('round-trips a key under each master key', () => {
    for (const id of ['kf', 'kc1', 'kc2']) expect(kms.unwrap(kms.wrap(DEK, id), id)).toEqual(DEK)
  })

  it('round-trips 16, 24 and 32-byte keys and master keys', () => {
    const local = new LocalKms(
      new Map([
        ['k24', new Uint8Array(24).fill(7)],
        ['k32', new Uint8Array(32).fill(9)],
      ]),
    )
    for (const size of [16, 24, 32]) {
      const key = new Uint8Array(size).fill(size)
      for (const id of ['k24', 'k32']) expect(local.unwrap(local.wrap(key, id), id)).toEqual(key)
    }
  })

  it('wraps as bare base64 of nonce12 || ciphertext || tag16, with a fresh nonce each time', () => {
    const first = kms.wrap(DEK, 'kf')
    const second = kms.wrap(DEK, 'kf')
    expect(first).toMatch(/^[A-Za-z0-9+/]+={0,2}$/)
    expect(Buffer.from(first, 'base64').length).toBe(12 + DEK.length + 16)
    expect(first.length).toBe(60)
    expect(Buffer.from(first, 'base64').subarray(0, 12)).not.toEqual(Buffer.from(second, 'base64').subarray(0, 12))
  })

  it('builds the same KMS from a key list and from a map', () => {
    const fromMap = new LocalKms(
      new Map([
        ['kf', KF],
        ['kc1', KC1],
        ['kc2', KC2],
      ]),
    )
    expect(fromMap.masterKeyIds()).toEqual(['kf', 'kc1', 'kc2'])
    expect(fromMap.unwrap(kms.wrap(DEK, 'kc1'), 'kc1')).toEqual(DEK)
    expect(kms.unwrap(fromMap.wrap(DEK, 'kc2'), 'kc2')).toEqual(DEK)
  })

  it('copies the master keys it is given', () => {
    const key = Uint8Array.from(KF)
    const local = new LocalKms(new Map([['kf', key]]))
    const wrapped = local.wrap(DEK, 'kf')
    key.fill(0)
    expect(local.unwrap(wrapped, 'kf')).toEqual(DEK)
  })

  it('binds the wrapped key to the master key id (the AAD)', async () => {
    // Same key bytes under two ids: only the id in the AAD differs.
    const twins = new LocalKms(`a: ${b64(KF)}, b: ${b64(KF)}`)
    const error = await caught(() => twins.unwrap(twins.wrap(DEK, 'a'), 'b'))
    expect(error).toBeInstanceOf(KmsError)
    expect(error.message).toContain('cannot unwrap with any version of master key "b"')
  })
})

describe('LocalKms errors', () => {
  const kms = new LocalKms(KEY_LIST)
  const secrets = [KF, KC1, KC2, DEK]

  it('names an unknown master key, on wrap and on unwrap', async () => {
    for (const call of [() => kms.wrap(DEK, 'nope'), () => kms.unwrap(kms.wrap(DEK, 'kf'), 'nope')]) {
      const error = await caught(call)
      expect(error).toBeInstanceOf(KmsError)
      expect(error.code).toBe('PME_KMS')
      expect(error.message).toBe('master key "nope" is not known to the local KMS')
    }
  })

  it('rejects a key wrapped with another master key', async () => {
    const error = await caught(() => kms.unwrap(kms.wrap(DEK, 'kc1'), 'kc2'))
    expect(error).toBeInstanceOf(KmsError)
    expect(error.message).toContain('cannot unwrap with any version of master key "kc2"')
    expectNoSecrets(error, secrets)
  })

  it.each([
    ['the nonce', 0],
    ['the ciphertext', 14],
    ['the tag', 43],
  ])('rejects a wrapped key with a flipped bit in %s', async (_part, offset) => {
    const bytes = Buffer.from(kms.wrap(DEK, 'kf'), 'base64')
    bytes[offset] = (bytes[offset] as number) ^ 1
    const error = await caught(() => kms.unwrap(bytes.toString('base64'), 'kf'))
    expect(error).toBeInstanceOf(KmsError)
    expect(error.message).toContain('wrong master key or tampered wrapped key')
    expectNoSecrets(error, secrets)
  })

  it.each([
    ['not base64', 'not base64!'],
    ['too short', b64(new Uint8Array(20))],
    ['empty', ''],
  ])('rejects a wrapped key that is %s', async (_what, wrapped) => {
    const error = await caught(() => kms.unwrap(wrapped, 'kf'))
    expect(error).toBeInstanceOf(KmsError)
    expect(error.message).toMatch(/^cannot unwrap with master key "kf": wrapped key is/)
    expectNoSecrets(error, secrets)
  })

  it('rejects a key to wrap that is not bytes, and a wrapped key that is not a string', async () => {
    expect(await caught(() => kms.wrap('0123456789012345' as never, 'kf'))).toBeInstanceOf(UsageError)
    expect(await caught(() => kms.unwrap(42 as never, 'kf'))).toBeInstanceOf(KmsError)
  })

  it.each([
    ['an empty key list', '', UsageError],
    ['a master key of 10 bytes', `kf: ${b64(ascii('0123456789'))}`, InvalidKeyError],
    ['a key list entry that is not base64', 'kf: 0123456789012345!', InvalidKeyError],
    ['an empty id', new Map([['', KF]]), UsageError],
  ])('refuses %s', async (_what, source, Class) => {
    const error = await caught(() => new LocalKms(source))
    expect(error).toBeInstanceOf(Class)
    expectNoSecrets(error, secrets)
  })

  it('names the master key whose length is wrong, never its bytes', async () => {
    const short = ascii('short-key-0123')
    const error = await caught(() => new LocalKms(new Map([['kshort', short]])))
    expect(error.message).toBe('master key "kshort" must be 16, 24 or 32 bytes, got 14')
    expectNoSecrets(error, [short])
  })

  it('does not print key bytes when the KMS is inspected or serialized', async () => {
    const { inspect } = await import('node:util')
    for (const text of [inspect(kms, { depth: 10, showHidden: true }), JSON.stringify(kms)]) {
      expect(text).not.toContain('Uint8Array')
      const flat = text.replace(/\s+/g, ' ')
      for (const key of [KF, KC1, KC2]) {
        expect(flat).not.toContain(Buffer.from(key).toString('latin1'))
        expect(flat).not.toContain(Array.from(key).join(', '))
      }
    }
  })
})
