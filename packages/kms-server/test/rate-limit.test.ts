import { describe, expect, it } from 'vitest'
import { AuthFailureLimiter, clientAddress } from '../src/access/auth-failure-limit.js'
import { b64, call, DEK, errorOf, keyUrl, post, serveForTests, TOKENS } from './helpers.js'

/** A clock the test moves by hand: windows pass without waiting. */
function manualClock(start = 1_000_000) {
  const clock = { now: start, read: () => clock.now }
  return clock
}

const wrapAs = (url: string, token: string | undefined, id = 'INTERNAL') =>
  post(keyUrl(url, id, 'wrap'), { key: b64(DEK) }, token)

describe('failed authentications per client address', () => {
  const clock = manualClock()
  const served = serveForTests({ authFailureLimit: { maxFailures: 3, windowMs: 60_000 }, clock: clock.read })

  it('answers 429 with Retry-After after the limit, even to a right token, counts it, and serves again once the window has passed', async () => {
    for (let i = 0; i < 3; i++) expect((await wrapAs(served.url, `wrong-guess-${i}`)).status).toBe(401)
    clock.now += 10_000
    const limited = await wrapAs(served.url, TOKENS.INTERNAL)
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('50')
    expect(errorOf(limited).code).toBe('too_many_failures')
    expect((await wrapAs(served.url, 'wrong-guess-4')).status).toBe(429)

    const metrics = (await call(`${served.url}/metrics`)).text
    expect(metrics).toContain('pme_kms_requests_total{operation="wrap",key="INTERNAL",outcome="denied"} 3')
    expect(metrics).toContain('pme_kms_requests_total{operation="wrap",key="INTERNAL",outcome="rate_limited"} 2')

    clock.now += 49_999
    expect((await wrapAs(served.url, TOKENS.INTERNAL)).headers.get('retry-after')).toBe('1')
    clock.now += 1
    expect((await wrapAs(served.url, TOKENS.INTERNAL)).status).toBe(200)
    // A new window: the count starts again from zero.
    expect((await wrapAs(served.url, 'wrong-guess-5')).status).toBe(401)
    expect((await wrapAs(served.url, TOKENS.INTERNAL)).status).toBe(200)
  })

  it('does not count requests without a token (anonymous), nor other routes', async () => {
    clock.now += 120_000
    const anonymousUnwrap = () => post(keyUrl(served.url, 'RESTRICTED', 'unwrap'), { wrappedKey: 'x' })
    for (let i = 0; i < 5; i++) expect((await anonymousUnwrap()).status).toBe(401)
    expect((await wrapAs(served.url, undefined, 'PUBLIC')).status).toBe(200)
    expect((await call(`${served.url}/healthz`)).status).toBe(200)
  })
})

describe('AuthFailureLimiter', () => {
  it('keeps one window per address', () => {
    const clock = manualClock()
    const limiter = new AuthFailureLimiter({ maxFailures: 2, windowMs: 1_000 }, clock.read)
    limiter.recordFailure('10.0.0.1')
    limiter.recordFailure('10.0.0.1')
    limiter.recordFailure('10.0.0.2')
    expect(limiter.retryAfterSeconds('10.0.0.1')).toBe(1)
    expect(limiter.retryAfterSeconds('10.0.0.2')).toBe(0)
    clock.now += 1_000
    expect(limiter.retryAfterSeconds('10.0.0.1')).toBe(0)
  })

  it('refuses a limit that could never hold', () => {
    expect(() => new AuthFailureLimiter({ maxFailures: 0, windowMs: 1 })).toThrow('maxFailures')
    expect(() => new AuthFailureLimiter({ maxFailures: 1, windowMs: 0.5 })).toThrow('windowMs')
  })

  it('keys IPv4 clients of a dual-stack socket as plain IPv4', () => {
    expect(clientAddress('::ffff:192.0.2.7')).toBe('192.0.2.7')
    expect(clientAddress('2001:db8::1')).toBe('2001:db8::1')
    expect(clientAddress(undefined)).toBe('unknown')
  })
})
