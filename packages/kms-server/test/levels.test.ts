import { PRIVILEGE_LEVELS, type PrivilegeLevel } from '@pme/kms-local'
import { describe, expect, it } from 'vitest'
import { b64, DEK, errorOf, keyUrl, levelsAccess, post, serveForTests, TOKENS, wrap } from './helpers.js'

/*
 * The seed demo's rule over HTTP: a token of level L unwraps a key of level K exactly when L >= K;
 * PUBLIC keys unwrap for everyone, anonymous callers included; wrapping is open unless restrictWrap.
 */

type Caller = { name: string; token: string | undefined; rank: number }
const CALLERS: Caller[] = [
  { name: 'anonymous', token: undefined, rank: 0 },
  ...PRIVILEGE_LEVELS.map((level, rank) => ({ name: level, token: TOKENS[level], rank })),
]

/** What a caller that may not unwrap gets: 401 without a token, 403 with one. */
function expectedRefusal(caller: Caller, level: PrivilegeLevel) {
  return caller.token === undefined
    ? {
        status: 401,
        code: 'token_required',
        message: `unwrap with master key "${level}" needs an access token (x-api-key)`,
      }
    : { status: 403, code: 'access_denied', message: `the access token may not unwrap with master key "${level}"` }
}

describe('levels: unwrap, every caller x every level key', () => {
  const served = serveForTests({ access: levelsAccess() })

  for (const caller of CALLERS) {
    for (const [keyRank, level] of PRIVILEGE_LEVELS.entries()) {
      const allowed = caller.rank >= keyRank
      it(`${caller.name} ${allowed ? 'unwraps' : 'is refused'} the ${level} key`, async () => {
        const wrapped = await wrap(served.url, level, caller.token) // wrapping is open to every caller
        const answer = await post(keyUrl(served.url, level, 'unwrap'), { wrappedKey: wrapped }, caller.token)
        if (allowed) {
          expect(answer.status).toBe(200)
          expect(answer.body).toEqual({ key: b64(DEK) })
        } else {
          const { status, ...body } = expectedRefusal(caller, level)
          expect(answer.status).toBe(status)
          expect(errorOf(answer)).toEqual(body)
          if (status === 401) expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="pme-kms"')
        }
      })
    }
  }

  it('refuses an unknown token with 401, even on a PUBLIC key and on wrap', async () => {
    for (const [level, operation] of [
      ['PUBLIC', 'unwrap'],
      ['PUBLIC', 'wrap'],
      ['RESTRICTED', 'unwrap'],
    ] as const) {
      const body = operation === 'wrap' ? { key: b64(DEK) } : { wrappedKey: 'AAAA' }
      const answer = await post(keyUrl(served.url, level, operation), body, 'tok-unknown')
      expect(answer.status).toBe(401)
      expect(errorOf(answer)).toEqual({ code: 'unknown_token', message: 'the access token is not known to this KMS' })
    }
  })

  it('treats the token DEFAULT (parquet-java\'s "no token") as anonymous', async () => {
    const wrapped = await wrap(served.url, 'PUBLIC', 'DEFAULT')
    expect((await post(keyUrl(served.url, 'PUBLIC', 'unwrap'), { wrappedKey: wrapped }, 'DEFAULT')).status).toBe(200)
    expect((await post(keyUrl(served.url, 'INTERNAL', 'unwrap'), { wrappedKey: wrapped }, 'DEFAULT')).status).toBe(401)
  })
})

describe('levels with restrictWrap: wrap is checked by the same rule', () => {
  const served = serveForTests({ access: levelsAccess(true) })

  for (const caller of CALLERS) {
    it(`${caller.name} wraps with exactly the keys of its level and below`, async () => {
      const statuses = []
      for (const level of PRIVILEGE_LEVELS) {
        statuses.push((await post(keyUrl(served.url, level, 'wrap'), { key: b64(DEK) }, caller.token)).status)
      }
      const refused = caller.token === undefined ? 401 : 403
      expect(statuses).toEqual(PRIVILEGE_LEVELS.map((_, keyRank) => (caller.rank >= keyRank ? 200 : refused)))
    })
  }
})
