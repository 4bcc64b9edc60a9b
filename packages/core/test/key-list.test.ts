import { describe, expect, it } from 'vitest'
import { InvalidKeyError, UsageError } from '../src/errors.js'
import { keyListRetriever, parseKeyList } from '../src/read/key-list.js'
import { expectNoKeyBytes } from './helpers/errors.js'

/* parquet-java's key list, `id: <base64>, id: <base64>`, and the retriever over it. */

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text)
const KEY_A = ascii('0123456789012345')
const KEY_B = ascii('abcdefghijklmnopqrstuvwxyz012345')
const b64 = (key: Uint8Array) => Buffer.from(key).toString('base64')

describe('parseKeyList', () => {
  it('maps ids to the decoded keys, ignoring spaces and empty entries', () => {
    const keys = parseKeyList(` kf : ${b64(KEY_A)},, kc1:${b64(KEY_B)} ,`)
    expect([...keys.keys()]).toEqual(['kf', 'kc1'])
    expect(keys.get('kf')).toEqual(KEY_A)
    expect(keys.get('kc1')).toEqual(KEY_B)
  })

  it.each([
    ['an entry without a colon', 'kf', UsageError],
    ['an empty id', `: ${b64(KEY_A)}`, UsageError],
    ['a repeated id', `kf: ${b64(KEY_A)}, kf: ${b64(KEY_B)}`, UsageError],
    ['a key that is not base64', 'kf: 0123456789012345!', InvalidKeyError],
    ['base64 of the wrong length', 'kf: MDEyMzQ1Njc4OTAxMjM0N', InvalidKeyError],
  ])('rejects %s', (_what, text, Class) => {
    expect(() => parseKeyList(text)).toThrow(Class)
  })

  it('never echoes a key in its errors', () => {
    const text = `kf: ${b64(KEY_A)}, kc1: ${b64(KEY_B)}!`
    const error = (() => {
      try {
        parseKeyList(text)
      } catch (caught) {
        return caught as Error
      }
      throw new Error('parseKeyList should have failed')
    })()
    expect(error.message).toContain('kc1')
    expectNoKeyBytes(error, [KEY_A, KEY_B])
  })
})

describe('keyListRetriever', () => {
  const retrieve = keyListRetriever(parseKeyList(`kf: ${b64(KEY_A)}, kc1: ${b64(KEY_B)}`))

  it('returns the key whose id the key_metadata spells', async () => {
    expect(await retrieve(ascii('kc1'))).toEqual(KEY_B)
  })

  it.each([
    ['an unknown id', ascii('kc9')],
    ['key metadata that is not UTF-8', Uint8Array.of(0xff, 0xfe)],
  ])('returns undefined for %s', async (_what, metadata) => {
    expect(await retrieve(metadata)).toBeUndefined()
  })
})
