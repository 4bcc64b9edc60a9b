import { describe, expect, it } from 'vitest'
import { escapeLabelValue, keyLabel, outcomeOf } from '../src/metrics.js'
import { b64, call, DEK, keyUrl, post, serveForTests, TOKENS, wrap } from './helpers.js'

const HEADER = [
  '# HELP pme_kms_requests_total Wrap and unwrap requests, by master key and outcome.',
  '# TYPE pme_kms_requests_total counter',
]

describe('GET /metrics', () => {
  const served = serveForTests()

  it('counts wrap and unwrap by key and outcome, exactly, in Prometheus text format', async () => {
    const metrics = await call(`${served.url}/metrics`)
    expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    expect(metrics.text).toBe(`${HEADER.join('\n')}\n`)

    for (let i = 0; i < 3; i++) await wrap(served.url, 'PUBLIC')
    const internal = await wrap(served.url, 'INTERNAL')
    for (let i = 0; i < 2; i++)
      await post(keyUrl(served.url, 'INTERNAL', 'unwrap'), { wrappedKey: internal }, TOKENS.INTERNAL)
    await post(keyUrl(served.url, 'RESTRICTED', 'unwrap'), { wrappedKey: internal }, TOKENS.INTERNAL) // denied
    await post(keyUrl(served.url, 'CONFIDENTIAL', 'unwrap'), { wrappedKey: internal }) // anonymous: denied
    await post(keyUrl(served.url, 'secret-project-key', 'unwrap'), { wrappedKey: internal }, TOKENS.INTERNAL) // denied, unnamed id
    await post(keyUrl(served.url, 'typo-key', 'wrap'), { key: b64(DEK) }) // wrap is open: not found
    await post(keyUrl(served.url, 'PUBLIC', 'wrap'), { key: 'short' }) // invalid
    await call(`${served.url}/healthz`) // not counted

    const after = await call(`${served.url}/metrics`)
    expect(after.text).toBe(
      [
        ...HEADER,
        'pme_kms_requests_total{operation="unwrap",key="CONFIDENTIAL",outcome="denied"} 1',
        'pme_kms_requests_total{operation="unwrap",key="INTERNAL",outcome="ok"} 2',
        'pme_kms_requests_total{operation="unwrap",key="RESTRICTED",outcome="denied"} 1',
        'pme_kms_requests_total{operation="unwrap",key="_other",outcome="denied"} 1',
        'pme_kms_requests_total{operation="wrap",key="INTERNAL",outcome="ok"} 1',
        'pme_kms_requests_total{operation="wrap",key="PUBLIC",outcome="invalid"} 1',
        'pme_kms_requests_total{operation="wrap",key="PUBLIC",outcome="ok"} 3',
        'pme_kms_requests_total{operation="wrap",key="_other",outcome="not_found"} 1',
        '',
      ].join('\n'),
    )
  })

  it('gives fifty unknown ids one series, not fifty', async () => {
    const before = (await call(`${served.url}/metrics`)).text.split('\n').length
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => post(keyUrl(served.url, `probe-${i}`, 'wrap'), { key: b64(DEK) })),
    )
    const after = (await call(`${served.url}/metrics`)).text
    expect(after.split('\n').length).toBe(before)
    expect(after).toContain('pme_kms_requests_total{operation="wrap",key="_other",outcome="not_found"} 51')
  })
})

describe('metric labels', () => {
  it('escapes backslash, double quote and line feed in label values', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd')
  })

  it('labels named ids and served ids, and buckets the rest', () => {
    const named = new Set(['k1'])
    expect(keyLabel('k1', 'denied', named)).toBe('k1')
    expect(keyLabel('k2', 'ok', named)).toBe('k2')
    expect(keyLabel('k2', 'denied', named)).toBe('_other')
    expect(keyLabel('k2', 'not_found', named)).toBe('_other')
  })

  it.each([
    [200, 'ok'],
    [401, 'denied'],
    [403, 'denied'],
    [404, 'not_found'],
    [400, 'invalid'],
    [413, 'invalid'],
    [415, 'invalid'],
    [503, 'unavailable'],
    [500, 'error'],
    [502, 'error'],
  ] as const)('status %i counts as %s', (status, outcome) => {
    expect(outcomeOf(status)).toBe(outcome)
  })
})

describe('metric labels over HTTP', () => {
  const weird = 'team "a"\\key'
  const served = serveForTests({ access: { acl: {}, publicKeys: [weird] } })

  it('escapes a named id with quotes and a backslash', async () => {
    await post(keyUrl(served.url, weird, 'wrap'), { key: b64(DEK) })
    const text = (await call(`${served.url}/metrics`)).text
    expect(text).toContain('pme_kms_requests_total{operation="wrap",key="team \\"a\\"\\\\key",outcome="not_found"} 1')
  })
})
