import { describe, expect, it } from 'vitest'
import { b64, DEK, errorOf, keyUrl, post, serveForTests, wrap } from './helpers.js'

const READER = 'tok-reader-6c0a'
const ADMIN = 'tok-admin-e41f'

describe('explicit grants', () => {
  const served = serveForTests({
    access: {
      acl: { [READER]: ['INTERNAL', 'CONFIDENTIAL'], [ADMIN]: '*' },
      publicKeys: ['PUBLIC'],
      enforceOn: ['unwrap'],
    },
  })
  const unwrapStatus = async (level: string, token: string | undefined) => {
    const wrapped = await wrap(served.url, level)
    return (await post(keyUrl(served.url, level, 'unwrap'), { wrappedKey: wrapped }, token)).status
  }

  it('a token unwraps exactly its granted keys and the public ones', async () => {
    const levels = ['PUBLIC', 'INTERNAL', 'CONFIDENTIAL', 'RESTRICTED']
    const statuses = []
    for (const level of levels) statuses.push(await unwrapStatus(level, READER))
    expect(statuses).toEqual([200, 200, 200, 403])
  })

  it('"*" grants every key, and then an unknown id is a 404', async () => {
    expect(await unwrapStatus('RESTRICTED', ADMIN)).toBe(200)
    const answer = await post(keyUrl(served.url, 'nope', 'unwrap'), { wrappedKey: 'AAAA' }, ADMIN)
    expect(errorOf(answer).code).toBe('key_not_found')
  })

  it('anonymous callers use public keys only', async () => {
    expect(await unwrapStatus('PUBLIC', undefined)).toBe(200)
    expect(await unwrapStatus('INTERNAL', undefined)).toBe(401)
  })
})

describe('a policy without an acl fails closed', () => {
  const served = serveForTests({ access: { publicKeys: ['PUBLIC'] } })

  it('grants its public keys only, to everyone, for both operations', async () => {
    expect((await post(keyUrl(served.url, 'PUBLIC', 'wrap'), { key: b64(DEK) })).status).toBe(200)
    expect((await post(keyUrl(served.url, 'INTERNAL', 'wrap'), { key: b64(DEK) })).status).toBe(401)
    expect((await post(keyUrl(served.url, 'INTERNAL', 'wrap'), { key: b64(DEK) }, 'any')).status).toBe(401)
  })
})

describe("access 'open'", () => {
  const served = serveForTests({ access: 'open' })

  it('lets every caller, with any token or none, wrap and unwrap with every key', async () => {
    for (const token of [undefined, 'whatever']) {
      const wrapped = await wrap(served.url, 'RESTRICTED', token)
      const answer = await post(keyUrl(served.url, 'RESTRICTED', 'unwrap'), { wrappedKey: wrapped }, token)
      expect(answer.body).toEqual({ key: b64(DEK) })
    }
  })
})
