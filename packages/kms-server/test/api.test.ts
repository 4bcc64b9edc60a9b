import { createDecipheriv } from 'node:crypto'
import { UsageError } from '@pme/core'
import { LocalKms } from '@pme/kms-local'
import { describe, expect, it } from 'vitest'
import { createKmsServer } from '../src/index.js'
import {
  b64,
  call,
  DEK,
  errorOf,
  KEY_LIST,
  keyUrl,
  levelsAccess,
  MASTER_KEYS,
  post,
  rawRequest,
  serveForTests,
  TOKENS,
  wrap,
} from './helpers.js'

/** parquet-java InMemoryKMS's unwrap, written from its definition with node:crypto only. */
function inMemoryKmsUnwrap(wrapped: string, masterKey: Uint8Array, masterKeyId: string): Buffer {
  const bytes = Buffer.from(wrapped, 'base64')
  const decipher = createDecipheriv('aes-256-gcm', masterKey, bytes.subarray(0, 12))
  decipher.setAAD(Buffer.from(masterKeyId, 'utf8'))
  decipher.setAuthTag(bytes.subarray(bytes.length - 16))
  return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()])
}

describe('wrap and unwrap', () => {
  const served = serveForTests()

  it('round-trips a key, and the wrapped key is InMemoryKMS base64(nonce ‖ AES-GCM ‖ tag) with AAD = the key id', async () => {
    const wrapped = await wrap(served.url, 'CONFIDENTIAL')
    expect(Buffer.from(wrapped, 'base64')).toHaveLength(12 + DEK.length + 16)
    expect(new Uint8Array(inMemoryKmsUnwrap(wrapped, MASTER_KEYS.CONFIDENTIAL, 'CONFIDENTIAL'))).toEqual(DEK)
    const answer = await post(keyUrl(served.url, 'CONFIDENTIAL', 'unwrap'), { wrappedKey: wrapped }, TOKENS.RESTRICTED)
    expect(answer.status).toBe(200)
    expect(answer.body).toEqual({ key: b64(DEK) })
    expect(answer.headers.get('cache-control')).toBe('no-store')
  })

  it('unwraps a key that LocalKms wrapped in process (same format both ways)', async () => {
    const wrapped = served.kms.wrap(DEK, 'INTERNAL')
    const answer = await post(keyUrl(served.url, 'INTERNAL', 'unwrap'), { wrappedKey: wrapped }, TOKENS.INTERNAL)
    expect(answer.body).toEqual({ key: b64(DEK) })
  })

  it('takes the token as authorization: Bearer too', async () => {
    const wrapped = await wrap(served.url, 'RESTRICTED')
    const answer = await post(keyUrl(served.url, 'RESTRICTED', 'unwrap'), { wrappedKey: wrapped }, undefined, {
      authorization: `Bearer ${TOKENS.RESTRICTED}`,
    })
    expect(answer.body).toEqual({ key: b64(DEK) })
  })

  it.each([16, 24, 32])('wraps %i-byte keys', async (length) => {
    const answer = await post(keyUrl(served.url, 'PUBLIC', 'wrap'), { key: b64(new Uint8Array(length).fill(5)) })
    expect(answer.status).toBe(200)
  })

  it('decodes a percent-encoded master key id', async () => {
    const answer = await post(`${served.url}/v1/keys/%50UBLIC/wrap`, { key: b64(DEK) })
    expect(answer.status).toBe(200)
  })
})

describe('refusals', () => {
  const served = serveForTests()
  const wrapUrl = () => keyUrl(served.url, 'PUBLIC', 'wrap')

  it.each([
    ['malformed JSON', '{"key": ', 'invalid_request', 'the request body is not valid JSON'],
    ['a JSON array', '[1]', 'invalid_request', 'the wrap body must be a JSON object {"key": "..."}'],
    ['no key', '{}', 'invalid_request', 'the wrap body needs "key": a non-empty string'],
    ['a number as key', '{"key": 16}', 'invalid_request', 'the wrap body needs "key": a non-empty string'],
    ['an extra field', `{"key": "${b64(DEK)}", "aad": "x"}`, 'invalid_request', 'unknown field "aad" in the wrap body'],
    ['key not base64', '{"key": "not base64!"}', 'invalid_key', '"key" must be standard base64 (with padding)'],
    [
      'unpadded base64',
      '{"key": "AAAAAAAAAAAAAAAAAAAAAA"}',
      'invalid_key',
      '"key" must be standard base64 (with padding)',
    ],
    [
      'a 15-byte key',
      `{"key": "${b64(new Uint8Array(15))}"}`,
      'invalid_key',
      '"key" must be 16, 24 or 32 bytes, got 15',
    ],
  ])('400 for %s', async (_what, body, code, message) => {
    const answer = await post(wrapUrl(), body)
    expect(answer.status).toBe(400)
    expect(errorOf(answer)).toEqual({ code, message })
  })

  it('400 for a wrapped key that does not unwrap (tampered), naming the key only', async () => {
    const wrapped = Buffer.from(await wrap(served.url, 'INTERNAL'), 'base64')
    wrapped[20] = (wrapped[20] ?? 0) ^ 1
    const answer = await post(keyUrl(served.url, 'INTERNAL', 'unwrap'), { wrappedKey: b64(wrapped) }, TOKENS.INTERNAL)
    expect(answer.status).toBe(400)
    expect(errorOf(answer)).toEqual({
      code: 'invalid_wrapped_key',
      message:
        'the wrapped key does not unwrap with master key "INTERNAL" (malformed, tampered with, or wrapped with another key)',
    })
  })

  it('400 when x-api-key and authorization carry different tokens', async () => {
    const answer = await post(wrapUrl(), { key: b64(DEK) }, TOKENS.INTERNAL, { authorization: 'Bearer other' })
    expect(errorOf(answer).code).toBe('invalid_request')
  })

  it('400 for a master key id with control characters', async () => {
    const answer = await post(`${served.url}/v1/keys/a%0Ab/wrap`, { key: b64(DEK) })
    expect(errorOf(answer).code).toBe('invalid_master_key_id')
  })

  it('404 for an unknown master key, to a caller that may use any id', async () => {
    const answer = await post(keyUrl(served.url, 'no-such-key', 'wrap'), { key: b64(DEK) })
    expect(answer.status).toBe(404)
    expect(errorOf(answer)).toEqual({ code: 'key_not_found', message: 'master key "no-such-key" not found' })
  })

  it('the same refusal for a key that exists and one that does not, to a caller without access', async () => {
    const known = await post(keyUrl(served.url, 'RESTRICTED', 'unwrap'), { wrappedKey: 'AAAA' }, TOKENS.INTERNAL)
    const unknown = await post(keyUrl(served.url, 'no-such-key', 'unwrap'), { wrappedKey: 'AAAA' }, TOKENS.INTERNAL)
    expect([known.status, unknown.status]).toEqual([403, 403])
    expect(errorOf(unknown)).toEqual({
      code: 'access_denied',
      message: 'the access token may not unwrap with master key "no-such-key"',
    })
  })

  it('413 for a body over the limit, declared by content-length', async () => {
    const answer = await post(wrapUrl(), JSON.stringify({ key: 'A'.repeat(70_000) }))
    expect(answer.status).toBe(413)
    expect(errorOf(answer)).toEqual({ code: 'body_too_large', message: 'the request body is larger than 65536 bytes' })
  })

  it('413 for a chunked body that grows over the limit, and the connection is closed', async () => {
    const chunks = Array.from({ length: 20 }, () => Buffer.alloc(8192, 0x41))
    const answer = await rawRequest(wrapUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      chunks: [Buffer.from('{"key": "'), ...chunks],
    })
    expect(answer.status).toBe(413)
    expect(answer.headers.connection).toBe('close')
  })

  it('415 for a body that is not JSON', async () => {
    const answer = await call(wrapUrl(), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' })
    expect(answer.status).toBe(415)
    expect(errorOf(answer).code).toBe('unsupported_media_type')
  })

  it('405 with allow for the wrong method, on the key routes and the others', async () => {
    const get = await call(wrapUrl())
    expect(get.status).toBe(405)
    expect(get.headers.get('allow')).toBe('POST')
    expect(errorOf(get)).toEqual({ code: 'method_not_allowed', message: 'method not allowed here: use POST' })
    const metrics = await call(`${served.url}/metrics`, { method: 'DELETE' })
    expect([metrics.status, metrics.headers.get('allow')]).toEqual([405, 'GET, HEAD'])
  })

  it('404 for an unknown route', async () => {
    const answer = await call(`${served.url}/v2/keys/PUBLIC/wrap`, { method: 'POST' })
    expect(answer.status).toBe(404)
    expect(errorOf(answer)).toEqual({ code: 'not_found', message: 'no such route (see /docs)' })
  })

  it('checks access before the body: a denied caller gets 403 even for a malformed body', async () => {
    const answer = await post(keyUrl(served.url, 'RESTRICTED', 'unwrap'), '{oops', TOKENS.CONFIDENTIAL)
    expect(answer.status).toBe(403)
  })
})

describe('service routes', () => {
  const served = serveForTests()

  it('GET /healthz answers ok', async () => {
    const answer = await call(`${served.url}/healthz`)
    expect([answer.status, answer.body]).toEqual([200, { status: 'ok' }])
  })

  it('GET /openapi.json is an OpenAPI 3 document with every route, the schemas and the x-api-key scheme', async () => {
    const answer = await call(`${served.url}/openapi.json`)
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/)
    const doc = answer.body as {
      openapi: string
      paths: Record<string, Record<string, unknown>>
      components: { schemas: object; securitySchemes: Record<string, unknown> }
    }
    expect(doc.openapi).toMatch(/^3\./)
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/healthz',
      '/metrics',
      '/openapi.json',
      '/v1/keys/{masterKeyId}/unwrap',
      '/v1/keys/{masterKeyId}/wrap',
    ])
    expect(Object.keys(doc.paths['/v1/keys/{masterKeyId}/wrap'] ?? {})).toEqual(['post'])
    expect(Object.keys(doc.components.schemas).sort()).toEqual([
      'Error',
      'UnwrapRequest',
      'UnwrapResponse',
      'WrapRequest',
      'WrapResponse',
    ])
    expect(doc.components.securitySchemes.ApiKey).toMatchObject({ type: 'apiKey', in: 'header', name: 'x-api-key' })
    // Every $ref points at a schema that exists.
    const refs = [...answer.text.matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((match) => match[1])
    expect(refs.length).toBeGreaterThan(0)
    for (const ref of refs) expect(doc.components.schemas).toHaveProperty(ref as string)
  })

  it('GET /docs is the Swagger UI page, with a strict CSP and its assets served from the package', async () => {
    const page = await call(`${served.url}/docs`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
    const assets = [...page.text.matchAll(/(?:src|href)="(\/docs\/[^"]+)"/g)].map((match) => match[1])
    expect(assets).toContain('/docs/swagger-ui-bundle.js')
    for (const asset of assets) {
      const answer = await call(`${served.url}${asset}`)
      expect(answer.status, asset).toBe(200)
    }
    const initializer = await call(`${served.url}/docs/swagger-initializer.js`)
    expect(initializer.text).toContain("url: '/openapi.json'")
  })

  it('404 for a file under /docs that is not one of the page assets', async () => {
    for (const path of ['/docs/package.json', '/docs/..%2F..%2Fpackage.json', '/docs/swagger-ui.js.map']) {
      expect((await call(`${served.url}${path}`)).status, path).toBe(404)
    }
  })
})

describe('server lifecycle', () => {
  it('listens on an ephemeral port, refuses a second listen, and close() stops it even with keep-alive clients', async () => {
    const server = createKmsServer({ backend: new LocalKms(KEY_LIST), access: levelsAccess(), log: () => {} })
    const url = await server.listen(0)
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(server.url).toBe(url)
    await expect(server.listen(0)).rejects.toThrow('already listening')
    expect((await call(`${url}/healthz`)).status).toBe(200) // leaves an idle keep-alive connection
    await server.close()
    expect(server.url).toBeUndefined()
    await expect(fetch(`${url}/healthz`)).rejects.toThrow()
  })

  it('refuses an access policy with a DEFAULT or empty token at creation', () => {
    for (const token of ['DEFAULT', ' ']) {
      expect(() => createKmsServer({ backend: new LocalKms(KEY_LIST), access: { acl: { [token]: '*' } } })).toThrow(
        UsageError,
      )
    }
  })
})
