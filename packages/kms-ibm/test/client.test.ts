import {
  KmsAccessDeniedError,
  KmsError,
  KmsKeyNotFoundError,
  KmsUnavailableError,
  kmsConnectionConfig,
  UsageError,
} from '@pme/core'
import { describe, expect, it } from 'vitest'
import { createKmsClientFactory, DEFAULT_IAM_URL, type FetchLike, IbmKmsClient } from '../src/index.js'

/*
 * Unit tests with a stubbed fetch (IAM and Key Protect answers as IBM documents them). The adapter
 * is verified end to end against the FAKE Key Protect in integration/kms (no emulator exists).
 */

const API_KEY = 'apikey-SECRET-0123456789abcdef'
const INSTANCE = '9f4c1a52-7b6e-4d2a-8c1f-0123456789ab'
const ROOT = '12e8c9c2-a162-472d-b7d6-8b9a86b815a6'
const KEY = new Uint8Array(16).fill(7)

interface Call {
  url: string
  headers: Record<string, string>
  body: string
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

const kpError = (status: number, errorMsg: string, code?: string, message?: string) =>
  json(status, {
    metadata: { collectionType: 'application/vnd.ibm.kms.error+json', collectionTotal: 1 },
    resources: [{ errorMsg, ...(code ? { reasons: [{ code, message, status }] } : {}) }],
  })

/** A stub for IAM + Key Protect; `kp` answers Key Protect calls (n counts them from 1). */
function stub(kp: (n: number, call: Call) => Response | Promise<Response>, expiresIn = 3600) {
  const calls: Call[] = []
  let tokens = 0
  let kpCalls = 0
  const fetchStub: FetchLike = async (url, init) => {
    const call = { url, headers: init.headers as Record<string, string>, body: String(init.body ?? '') }
    calls.push(call)
    if (url === DEFAULT_IAM_URL) {
      tokens++
      await new Promise((resolve) => setTimeout(resolve, 5))
      return json(200, { access_token: `eyJ.token${tokens}.sig`, token_type: 'Bearer', expires_in: expiresIn })
    }
    return kp(++kpCalls, call)
  }
  return { fetch: fetchStub, calls, tokens: () => tokens }
}

function client(fetchStub: FetchLike, settings: Record<string, string> = {}, now?: () => number) {
  return IbmKmsClient.create(
    { kmsInstanceUrl: 'https://us-south.kms.cloud.ibm.com/', kmsInstanceId: INSTANCE, keyAccessToken: API_KEY },
    { retryBaseDelayMs: '0', retryMaxDelayMs: '0', ...settings },
    { fetch: fetchStub, ...(now ? { now } : {}) },
  )
}

const wrapOk = () => json(200, { ciphertext: 'Y2lwaGVydGV4dA==', keyVersion: { id: 'v1' } })

describe('IbmKmsClient requests', () => {
  it('wraps: POST /api/v2/keys/<id>/actions/wrap with Bearer token and bluemix-instance; the ciphertext is the wrapped key', async () => {
    const s = stub(() => wrapOk())
    const wrapped = await client(s.fetch).wrapKey(KEY, ROOT)
    expect(wrapped).toBe('Y2lwaGVydGV4dA==')
    const [iam, wrap] = s.calls
    expect(iam?.body).toBe(`grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey&apikey=${API_KEY}`)
    expect(wrap?.url).toBe(`https://us-south.kms.cloud.ibm.com/api/v2/keys/${ROOT}/actions/wrap`)
    expect(wrap?.headers.authorization).toBe('Bearer eyJ.token1.sig')
    expect(wrap?.headers['bluemix-instance']).toBe(INSTANCE)
    expect(JSON.parse(wrap?.body ?? '')).toEqual({ plaintext: Buffer.from(KEY).toString('base64') })
  })

  it('unwraps, reporting the rewrapped ciphertext Key Protect returns for an older key version', async () => {
    const s = stub(() =>
      json(200, {
        plaintext: Buffer.from(KEY).toString('base64'),
        keyVersion: { id: 'v1' },
        ciphertext: 'bmV3ZXI=',
        rewrappedKeyVersion: { id: 'v2' },
      }),
    )
    const result = await client(s.fetch).unwrap('b2xkZXI=', ROOT)
    expect(result.plaintext).toEqual(KEY)
    expect(result.rewrapped).toEqual({ ciphertext: 'bmV3ZXI=', keyVersion: 'v2' })
    expect(JSON.parse(s.calls[1]?.body ?? '')).toEqual({ ciphertext: 'b2xkZXI=' })
  })

  it('rewraps through /actions/rewrap', async () => {
    const s = stub(() =>
      json(200, { ciphertext: 'bmV3ZXI=', keyVersion: { id: 'v1' }, rewrappedKeyVersion: { id: 'v2' } }),
    )
    expect(await client(s.fetch).rewrap('b2xkZXI=', ROOT)).toBe('bmV3ZXI=')
    expect(s.calls[1]?.url.endsWith('/actions/rewrap')).toBe(true)
  })

  it('sends X-Kms-Key-Ring with the keyRing setting', async () => {
    const s = stub(() => wrapOk())
    await client(s.fetch, { keyRing: 'ring-1' }).wrapKey(KEY, ROOT)
    expect(s.calls[1]?.headers['x-kms-key-ring']).toBe('ring-1')
  })

  it('uses an IAM access token given as the access token as is (no IAM call)', async () => {
    const s = stub(() => wrapOk())
    const direct = IbmKmsClient.create(
      {
        kmsInstanceUrl: 'https://kp.example',
        kmsInstanceId: INSTANCE,
        keyAccessToken: 'Bearer eyJhbGci.eyJzdWIi.c2ln',
      },
      {},
      { fetch: s.fetch },
    )
    await direct.wrapKey(KEY, ROOT)
    expect(s.tokens()).toBe(0)
    expect(s.calls[0]?.headers.authorization).toBe('Bearer eyJhbGci.eyJzdWIi.c2ln')
  })

  it('refuses a DEFAULT instance URL, instance id or token, and a bad root key id', async () => {
    const factory = createKmsClientFactory({})
    expect(() => factory(kmsConnectionConfig({ kmsInstanceId: INSTANCE, keyAccessToken: API_KEY }))).toThrow(UsageError)
    expect(() => factory(kmsConnectionConfig({ kmsInstanceUrl: 'https://kp', keyAccessToken: API_KEY }))).toThrow(
      UsageError,
    )
    expect(() => factory(kmsConnectionConfig({ kmsInstanceUrl: 'https://kp', kmsInstanceId: INSTANCE }))).toThrow(
      UsageError,
    )
    expect(() => createKmsClientFactory({ retryAttempts: 'x' })).toThrow(UsageError)
    await expect(client(stub(() => wrapOk()).fetch).wrapKey(KEY, 'DEFAULT')).rejects.toBeInstanceOf(UsageError)
    await expect(client(stub(() => wrapOk()).fetch).unwrapKey('not base64!', ROOT)).rejects.toBeInstanceOf(KmsError)
  })
})

describe('IAM token cache', () => {
  it('fetches one token for many calls, concurrent ones included (single flight)', async () => {
    const s = stub(() => wrapOk())
    const c = client(s.fetch)
    await Promise.all(Array.from({ length: 20 }, () => c.wrapKey(KEY, ROOT)))
    await c.wrapKey(KEY, ROOT)
    expect(s.tokens()).toBe(1)
  })

  it('refreshes the token before it expires (after 80 % of its lifetime)', async () => {
    let now = 1_000_000
    const s = stub(() => wrapOk(), 100)
    const c = client(s.fetch, {}, () => now)
    await c.wrapKey(KEY, ROOT)
    now += 79_000
    await c.wrapKey(KEY, ROOT)
    expect(s.tokens()).toBe(1)
    now += 2_000
    await c.wrapKey(KEY, ROOT)
    expect(s.tokens()).toBe(2)
    expect(s.calls.at(-1)?.headers.authorization).toBe('Bearer eyJ.token2.sig')
  })

  it('on a 401 with a cached token, fetches a new token once and retries', async () => {
    const s = stub((n) => (n === 1 ? kpError(401, 'Unauthorized: The user does not have access') : wrapOk()))
    expect(await client(s.fetch).wrapKey(KEY, ROOT)).toBe('Y2lwaGVydGV4dA==')
    expect(s.tokens()).toBe(2)
  })

  it('an unknown API key (IAM 400 BXNIM0415E) is KmsAccessDeniedError without the key in the message', async () => {
    const fetchStub: FetchLike = async () =>
      json(400, { errorCode: 'BXNIM0415E', errorMessage: `Provided API key could not be found: ${API_KEY}` })
    const error = await client(fetchStub)
      .wrapKey(KEY, ROOT)
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KmsAccessDeniedError)
    expect(String(error)).toContain('BXNIM0415E')
    expect(`${String(error)} ${(error as Error).stack}`).not.toContain(API_KEY)
  })
})

describe('Key Protect error mapping', () => {
  const cases: [string, () => Response, unknown][] = [
    ['401 UNAUTHORIZED', () => kpError(401, 'Unauthorized: The user does not have access'), KmsAccessDeniedError],
    ['403', () => kpError(403, 'Forbidden', 'RESOURCE_OWNER_ERR', 'no'), KmsAccessDeniedError],
    [
      '404 KEY_NOT_FOUND',
      () => kpError(404, 'Not Found', 'KEY_NOT_FOUND_ERR', 'Key does not exist'),
      KmsKeyNotFoundError,
    ],
    ['410 KEY_DELETED', () => kpError(410, 'Gone', 'KEY_DELETED_ERR', 'deleted'), KmsKeyNotFoundError],
    ['400 INVALID_FIELD', () => kpError(400, 'Bad Request', 'INVALID_FIELD_ERR', "The field 'ciphertext'"), KmsError],
    ['422 UNPROCESSABLE_CIPHERTEXT', () => kpError(422, 'x', 'UNPROCESSABLE_CIPHERTEXT_ERR', 'invalid'), KmsError],
  ]
  it.each(cases)('%s', async (_name, answer, type) => {
    const s = stub(() => answer())
    const error = await client(s.fetch)
      .unwrapKey('Y2lwaGVydGV4dA==', ROOT)
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(type as new () => Error)
    expect(error).not.toBeInstanceOf(KmsUnavailableError)
    expect(`${String(error)} ${(error as Error).stack}`).not.toContain(API_KEY)
    expect(String(error)).not.toContain('eyJ.token')
    expect(String(error)).not.toContain(Buffer.from(KEY).toString('base64'))
  })

  it('retries 429, 5xx, refused connections and timeouts up to retryAttempts, then KmsUnavailableError', async () => {
    const failures: (() => Response | Promise<Response>)[] = [
      () => kpError(429, 'Too Many Requests'),
      () => kpError(503, 'Service Unavailable'),
      () => kpError(500, 'Internal Server Error'),
      () => Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } })),
      () => Promise.reject(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
    ]
    for (const failure of failures) {
      const s = stub(() => failure())
      const error = await client(s.fetch, { retryAttempts: '3' })
        .wrapKey(KEY, ROOT)
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(KmsUnavailableError)
      expect(s.calls.filter((call) => call.url.includes('/actions/')).length).toBe(3)
    }
  })

  it('recovers when a transient failure passes', async () => {
    const s = stub((n) => (n < 3 ? kpError(503, 'Service Unavailable') : wrapOk()))
    expect(await client(s.fetch).wrapKey(KEY, ROOT)).toBe('Y2lwaGVydGV4dA==')
  })

  it('IAM unavailable (503) is retried, then KmsUnavailableError', async () => {
    let n = 0
    const fetchStub: FetchLike = async () => {
      n++
      return json(503, {})
    }
    const error = await client(fetchStub, { retryAttempts: '2' })
      .wrapKey(KEY, ROOT)
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KmsUnavailableError)
    expect(n).toBe(2)
  })
})
