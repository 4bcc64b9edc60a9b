import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { KmsAccessDeniedError, KmsError, KmsKeyNotFoundError, KmsUnavailableError, UsageError } from '@pme/core'
import { describe, expect, it } from 'vitest'
import { createKmsClientFactory, HttpKmsClient } from '../src/index.js'
import {
  DEK,
  expectNoSecrets,
  FAST,
  failure,
  kmsServerForTests,
  MASTER_KEYS,
  rawServerForTests,
  TOKENS,
} from './helpers.js'

const SECRETS = [DEK, ...Object.values(MASTER_KEYS)]

/** A local URL nothing listens on: a port the system just handed out, closed again. */
async function closedPortUrl(): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return `http://127.0.0.1:${port}`
}

describe('HttpKmsClient against @pme/kms-server', () => {
  const served = kmsServerForTests()
  const client = (token?: string) =>
    HttpKmsClient.create({ kmsInstanceUrl: served.url, ...(token ? { keyAccessToken: token } : {}) }, FAST)

  it('wraps and unwraps; the wrapped key is the LocalKms (InMemoryKMS) string', async () => {
    const wrapped = await client().wrapKey(DEK, 'CONFIDENTIAL')
    expect(served.kms.unwrap(wrapped, 'CONFIDENTIAL')).toEqual(DEK)
    expect(await client(TOKENS.CONFIDENTIAL).unwrapKey(wrapped, 'CONFIDENTIAL')).toEqual(DEK)
  })

  it('sends no token for DEFAULT: anonymous, which reads PUBLIC keys only', async () => {
    const anonymous = HttpKmsClient.create({ kmsInstanceUrl: served.url, keyAccessToken: 'DEFAULT' }, FAST)
    expect(await anonymous.unwrapKey(await anonymous.wrapKey(DEK, 'PUBLIC'), 'PUBLIC')).toEqual(DEK)
    const error = await failure(
      anonymous.wrapKey(DEK, 'INTERNAL').then((wrapped) => anonymous.unwrapKey(wrapped, 'INTERNAL')),
    )
    expect(error).toBeInstanceOf(KmsAccessDeniedError)
    expect(error.message).toBe(
      `http KMS ${served.url}: unwrap with master key "INTERNAL" refused (HTTP 401 token_required)`,
    )
  })

  it('403 is KmsAccessDeniedError naming the key and the server, never the token or a key', async () => {
    const wrapped = await client().wrapKey(DEK, 'RESTRICTED')
    const error = await failure(client(TOKENS.CONFIDENTIAL).unwrapKey(wrapped, 'RESTRICTED'))
    expect(error).toBeInstanceOf(KmsAccessDeniedError)
    expect(error.message).toBe(
      `http KMS ${served.url}: unwrap with master key "RESTRICTED" refused (HTTP 403 access_denied)`,
    )
    expectNoSecrets(error, SECRETS, [...Object.values(TOKENS), wrapped])
  })

  it('an unknown token is KmsAccessDeniedError too (401)', async () => {
    const error = await failure(client('tok-unknown-77').wrapKey(DEK, 'PUBLIC'))
    expect(error).toBeInstanceOf(KmsAccessDeniedError)
    expect(error.message).toContain('HTTP 401 unknown_token')
    expectNoSecrets(error, SECRETS, ['tok-unknown-77'])
  })

  it('a wrapped key that does not unwrap is KmsError (400), not retried', async () => {
    const before = served.logs.length
    const error = await failure(client(TOKENS.INTERNAL).unwrapKey('A'.repeat(40), 'INTERNAL'))
    expect(error).toBeInstanceOf(KmsError)
    expect(error.message).toContain('unwrap with master key "INTERNAL" failed (HTTP 400 invalid_wrapped_key:')
    expect(served.logs.length - before).toBe(1)
  })

  it('encodes master key ids in the path', async () => {
    const error = await failure(client().wrapKey(DEK, 'a/b?c'))
    expect(error).toBeInstanceOf(KmsKeyNotFoundError) // wrap is open: the id reached the server whole
    expect(error.message).toBe(`http KMS ${served.url}: wrap with master key "a/b?c": no such master key (HTTP 404)`)
  })

  it('a URL with no pme KMS behind it is KmsError, not "key not found"', async () => {
    const wrong = HttpKmsClient.create({ kmsInstanceUrl: `${served.url}/elsewhere` }, FAST)
    const error = await failure(wrong.wrapKey(DEK, 'PUBLIC'))
    expect(error).toBeInstanceOf(KmsError)
    expect(error.message).toContain('no pme KMS API at this URL (HTTP 404 not_found')
  })
})

describe('HttpKmsClient retries', () => {
  let calls = 0
  let failFirst = 0
  const served = kmsServerForTests({
    access: 'open',
    backend: {
      factory: () => ({
        async wrapKey(key) {
          calls++
          if (calls <= failFirst) throw new KmsUnavailableError('backend down')
          return Buffer.from(key).toString('base64')
        },
        async unwrapKey() {
          throw new KmsKeyNotFoundError('gone')
        },
      }),
    },
  })
  const client = (retryAttempts: string) =>
    HttpKmsClient.create({ kmsInstanceUrl: served.url }, { ...FAST, retryAttempts })

  it('retries 503 and succeeds when the server recovers', async () => {
    calls = 0
    failFirst = 2
    expect(await client('4').wrapKey(DEK, 'k1')).toBe(Buffer.from(DEK).toString('base64'))
    expect(calls).toBe(3)
  })

  it('gives up after the bounded number of attempts with KmsUnavailableError naming the server', async () => {
    calls = 0
    failFirst = 100
    const error = await failure(client('3').wrapKey(DEK, 'k1'))
    expect(error).toBeInstanceOf(KmsUnavailableError)
    expect(error.message).toBe(
      `KMS unavailable: http KMS ${served.url}: wrap with master key "k1" failed 3 times (last: HTTP 503)`,
    )
    expect(calls).toBe(3)
  })

  it('does not retry a 404', async () => {
    expect(await failure(client('4').unwrapKey('x', 'k1'))).toBeInstanceOf(KmsKeyNotFoundError)
  })
})

describe('HttpKmsClient without an answer', () => {
  const silent = rawServerForTests(() => {}) // never answers
  const garbage = rawServerForTests((_request, response) => response.end('<html>hello</html>'))

  it('times out, retries, then fails with KmsUnavailableError', async () => {
    const client = HttpKmsClient.create(
      { kmsInstanceUrl: silent.url },
      { ...FAST, requestTimeoutMs: '100', retryAttempts: '2' },
    )
    const error = await failure(client.wrapKey(DEK, 'k1'))
    expect(error).toBeInstanceOf(KmsUnavailableError)
    expect(error.message).toContain('failed 2 times (last: timed out)')
  })

  it('a refused connection is KmsUnavailableError naming the URL', async () => {
    const url = await closedPortUrl()
    const client = HttpKmsClient.create({ kmsInstanceUrl: url }, { ...FAST, retryAttempts: '2' })
    const error = await failure(client.wrapKey(DEK, 'k1'))
    expect(error).toBeInstanceOf(KmsUnavailableError)
    expect(error.message).toBe(
      `KMS unavailable: http KMS ${url}: wrap with master key "k1" failed 2 times (last: ECONNREFUSED)`,
    )
  })

  it('an answer that is not the API is KmsError', async () => {
    const error = await failure(HttpKmsClient.create({ kmsInstanceUrl: garbage.url }, FAST).wrapKey(DEK, 'k1'))
    expect(error).toBeInstanceOf(KmsError)
    expect(error.message).toBe(`http KMS ${garbage.url}: wrap with master key "k1" returned an unexpected answer`)
  })
})

describe('settings and connection', () => {
  it('takes the URL from the connection, else the url setting, without trailing slashes', () => {
    expect(HttpKmsClient.create({ kmsInstanceUrl: 'http://h:1/kms/' }).url).toBe('http://h:1/kms')
    expect(HttpKmsClient.create({}, { url: 'https://h:2' }).url).toBe('https://h:2')
    expect(HttpKmsClient.create({ kmsInstanceUrl: 'http://a:1' }, { url: 'http://b:2' }).url).toBe('http://a:1')
  })

  it.each([
    [{}, {}, 'needs the server URL'],
    [{ kmsInstanceUrl: 'not a url' }, {}, 'is not a URL'],
    [{ kmsInstanceUrl: 'ftp://h' }, {}, 'must be http(s)'],
    [{ kmsInstanceUrl: 'http://user:tok-secret@h' }, {}, 'must not hold credentials'],
    [{ kmsInstanceUrl: 'http://h/?token=x' }, {}, 'must not have a query'],
    [{ kmsInstanceUrl: 'http://h' }, { retryAttempts: '0' }, 'retryAttempts must be an integer >= 1'],
    [{ kmsInstanceUrl: 'http://h' }, { timeout: '5' }, 'unknown http KMS setting timeout'],
  ])('refuses %j %j', (connection, settings, message) => {
    expect(() => HttpKmsClient.create(connection, settings)).toThrow(UsageError)
    expect(() => HttpKmsClient.create(connection, settings)).toThrow(message)
  })

  it('createKmsClientFactory checks settings at once, and connections per client', async () => {
    expect(() => createKmsClientFactory({ requestTimeoutMs: 'soon' })).toThrow(UsageError)
    const factory = createKmsClientFactory({ url: 'http://127.0.0.1:8001' })
    const client = (await factory({
      kmsInstanceId: 'DEFAULT',
      kmsInstanceUrl: 'DEFAULT',
      keyAccessToken: 'DEFAULT',
      custom: {},
    })) as HttpKmsClient
    expect(client.url).toBe('http://127.0.0.1:8001')
  })

  it('keeps the token out of util.inspect and JSON', async () => {
    const { inspect } = await import('node:util')
    const client = HttpKmsClient.create({ kmsInstanceUrl: 'http://h', keyAccessToken: 'tok-hidden-1' })
    expect(inspect(client, { showHidden: true, depth: 5 })).not.toContain('tok-hidden-1')
    expect(JSON.stringify(client)).not.toContain('tok-hidden-1')
  })
})
