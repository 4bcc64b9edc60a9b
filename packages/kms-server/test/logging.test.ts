import { describe, expect, it } from 'vitest'
import { formatLogLine, loggablePath } from '../src/request-log.js'
import {
  b64,
  call,
  DEK,
  expectNoSecrets,
  keyUrl,
  MASTER_KEYS,
  post,
  secretForms,
  serveForTests,
  TOKENS,
  wrap,
} from './helpers.js'

const LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z [A-Z]+ \S+ \d{3} \d+\.\dms( [a-z_]+( \([\w.-]+\))?)?$/

describe('request logs', () => {
  const served = serveForTests()

  it('one line per request: method, path, status, duration, error code', async () => {
    served.logs.length = 0
    await wrap(served.url, 'PUBLIC')
    await post(keyUrl(served.url, 'RESTRICTED', 'unwrap'), { wrappedKey: 'AAAA' }, TOKENS.INTERNAL)
    await call(`${served.url}/healthz?verbose=1`)
    expect(served.logs).toHaveLength(3)
    for (const line of served.logs) expect(line).toMatch(LINE)
    expect(served.logs.map((line) => line.split(' ').slice(1, 4).join(' '))).toEqual([
      'POST /v1/keys/PUBLIC/wrap 200',
      'POST /v1/keys/RESTRICTED/unwrap 403',
      'GET /healthz 200',
    ])
    expect(served.logs[1]).toMatch(/ access_denied$/)
  })

  it('hold no key bytes, wrapped keys or tokens, whatever the outcome', async () => {
    served.logs.length = 0
    const wrapped: string[] = []
    for (const level of ['PUBLIC', 'INTERNAL', 'CONFIDENTIAL', 'RESTRICTED'] as const) {
      const one = await wrap(served.url, level, TOKENS[level])
      wrapped.push(one)
      await post(keyUrl(served.url, level, 'unwrap'), { wrappedKey: one }, TOKENS[level]) // ok
      await post(keyUrl(served.url, level, 'unwrap'), { wrappedKey: one }, TOKENS.PUBLIC) // denied above PUBLIC
      await post(keyUrl(served.url, level, 'unwrap'), { wrappedKey: `${one.slice(0, -4)}AAA=` }, TOKENS.RESTRICTED) // tampered
    }
    await post(keyUrl(served.url, 'PUBLIC', 'wrap'), `{"key": "${b64(DEK)}"`) // malformed JSON quoting the key
    await post(keyUrl(served.url, 'PUBLIC', 'wrap'), { key: b64(DEK) }, 'tok-unknown-a9f3c2') // unknown token
    await post(keyUrl(served.url, 'PUBLIC', 'wrap'), { key: b64(DEK) }, undefined, {
      authorization: `Bearer ${TOKENS.RESTRICTED}`,
    })
    await call(`${served.url}/healthz?token=${TOKENS.INTERNAL}`) // a token misplaced in a query string
    const secrets = secretForms(
      [DEK, ...Object.values(MASTER_KEYS)],
      [...Object.values(TOKENS), 'tok-unknown-a9f3c2', ...wrapped],
    )
    expect(served.logs).toHaveLength(4 * 4 + 4)
    expectNoSecrets(served.logs, secrets)
  })
})

describe('log line format', () => {
  it('drops the query string and escapes control characters and spaces', () => {
    expect(loggablePath('/v1/keys/a b\u001b[31m/wrap?token=x')).toBe('/v1/keys/a\\x20b\\x1b[31m/wrap')
    expect(loggablePath(`/${'x'.repeat(300)}`)).toHaveLength(203)
  })

  it('keeps a detail to word characters, so it cannot carry a message', () => {
    const line = formatLogLine(
      { method: 'POST', target: '/p', status: 500, durationMs: 1.234, code: 'internal_error', detail: 'Type Error: x' },
      new Date(0),
    )
    expect(line).toBe('1970-01-01T00:00:00.000Z POST /p 500 1.2ms internal_error (Type_Error__x)')
  })
})
