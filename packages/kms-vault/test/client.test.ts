import { createServer } from 'node:net'
import {
  KmsAccessDeniedError,
  KmsError,
  KmsKeyNotFoundError,
  KmsUnavailableError,
  type PmeError,
  UsageError,
} from '@pme/core'
import { afterEach, describe, expect, it } from 'vitest'
import { createKmsClientFactory, type VaultKmsClient } from '../src/index.js'
import { type FakeReply, FakeVault, type SeenRequest } from './fake-vault.js'

const TOKEN = 'hvs.secret-token-value'
const KEY = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16])
const CIPHERTEXT = 'vault:v1:c2VjcmV0'
const fast = { retryAttempts: '3', retryBaseDelayMs: '1', retryMaxDelayMs: '5', requestTimeoutMs: '200' }

let fake: FakeVault | undefined
afterEach(async () => {
  await fake?.stop()
  fake = undefined
})

async function clientFor(
  reply: (request: SeenRequest) => FakeReply,
  settings: Record<string, string> = fast,
  instanceId = 'DEFAULT',
): Promise<VaultKmsClient> {
  fake = new FakeVault(reply)
  const url = await fake.start()
  const factory = createKmsClientFactory(settings)
  return (await factory({
    kmsInstanceId: instanceId,
    kmsInstanceUrl: url,
    keyAccessToken: TOKEN,
    custom: {},
  })) as VaultKmsClient
}

async function failure(promise: Promise<unknown>): Promise<PmeError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!(error instanceof Error)) throw new Error('expected a failure')
  expect(error.message).not.toContain(TOKEN)
  expect(error.message).not.toContain(Buffer.from(KEY).toString('base64'))
  return error as PmeError
}

describe('VaultKmsClient against a fake Vault', () => {
  it('wraps by POST <mount>/encrypt/<key> with the token, and returns the transit ciphertext as is', async () => {
    const client = await clientFor(
      () => ({ status: 200, body: { data: { ciphertext: CIPHERTEXT } } }),
      fast,
      'kv/transit2',
    )
    expect(await client.wrapKey(KEY, 'k1')).toBe(CIPHERTEXT)
    const [request] = fake?.requests ?? []
    expect(request?.method).toBe('POST')
    expect(request?.path).toBe('/v1/kv/transit2/encrypt/k1')
    expect(request?.headers['x-vault-token']).toBe(TOKEN)
    expect(request?.body).toEqual({ plaintext: Buffer.from(KEY).toString('base64') })
  })

  it('uses the transit mount when the instance id is DEFAULT, and sends the namespace', async () => {
    const client = await clientFor(
      () => ({ status: 200, body: { data: { plaintext: Buffer.from(KEY).toString('base64') } } }),
      { ...fast, namespace: 'team-a' },
    )
    expect(await client.unwrapKey(CIPHERTEXT, 'k1')).toEqual(KEY)
    expect(fake?.requests[0]?.path).toBe('/v1/transit/decrypt/k1')
    expect(fake?.requests[0]?.headers['x-vault-namespace']).toBe('team-a')
    expect(fake?.requests[0]?.body).toEqual({ ciphertext: CIPHERTEXT })
  })

  it('maps 403 to KmsAccessDeniedError without retrying', async () => {
    const client = await clientFor(() => ({ status: 403, body: { errors: ['permission denied'] } }))
    expect(await failure(client.wrapKey(KEY, 'k1'))).toBeInstanceOf(KmsAccessDeniedError)
    expect(fake?.requests).toHaveLength(1)
  })

  it('maps "encryption key not found" to KmsKeyNotFoundError', async () => {
    const client = await clientFor(() => ({ status: 400, body: { errors: ['encryption key not found'] } }))
    expect(await failure(client.unwrapKey(CIPHERTEXT, 'nope'))).toBeInstanceOf(KmsKeyNotFoundError)
  })

  it('maps a wrong master key (authentication failure) to KmsError', async () => {
    const client = await clientFor(() => ({ status: 400, body: { errors: ['cipher: message authentication failed'] } }))
    const error = await failure(client.unwrapKey(CIPHERTEXT, 'k2'))
    expect(error.constructor).toBe(KmsError)
    expect(error.message).toContain('message authentication failed')
  })

  it('rejects a wrapped key that is not a transit ciphertext before calling Vault', async () => {
    const client = await clientFor(() => ({ status: 500 }))
    expect((await failure(client.unwrapKey('bm90IHZhdWx0', 'k1'))).constructor).toBe(KmsError)
    expect(fake?.requests).toHaveLength(0)
  })

  it.each([503, 429, 500])('retries HTTP %i and recovers', async (status) => {
    let calls = 0
    const client = await clientFor(() =>
      ++calls <= 2
        ? { status, body: { errors: ['busy'] } }
        : { status: 200, body: { data: { ciphertext: CIPHERTEXT } } },
    )
    expect(await client.wrapKey(KEY, 'k1')).toBe(CIPHERTEXT)
    expect(calls).toBe(3)
  })

  it('fails with KmsUnavailableError after the retry limit', async () => {
    const client = await clientFor(() => ({ status: 503, body: { errors: ['sealed'] } }))
    const error = await failure(client.wrapKey(KEY, 'k1'))
    expect(error).toBeInstanceOf(KmsUnavailableError)
    expect(error.message).toContain('HTTP 503')
    expect(fake?.requests).toHaveLength(3)
  })

  it('times out a request that gets no answer, retries, then fails typed', async () => {
    const client = await clientFor(() => 'hang')
    const error = await failure(client.wrapKey(KEY, 'k1'))
    expect(error).toBeInstanceOf(KmsUnavailableError)
    expect(error.message).toContain('timeout')
    expect(fake?.requests).toHaveLength(3)
  })

  it('treats a refused connection as transient', async () => {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as { port: number }).port
    await new Promise<void>((resolve) => server.close(() => resolve()))
    const client = createKmsClientFactory(fast)({
      kmsInstanceId: 'DEFAULT',
      kmsInstanceUrl: `http://127.0.0.1:${port}`,
      keyAccessToken: TOKEN,
      custom: {},
    }) as VaultKmsClient
    const error = await failure(client.wrapKey(KEY, 'k1'))
    expect(error).toBeInstanceOf(KmsUnavailableError)
    expect(error.message).toContain('ECONNREFUSED')
  })

  it('logs in with AppRole, then calls with the client token it got', async () => {
    const client = await clientFor(
      (request) =>
        request.path === '/v1/auth/approle/login'
          ? { status: 200, body: { auth: { client_token: 'hvs.from-login' } } }
          : { status: 200, body: { data: { ciphertext: CIPHERTEXT } } },
      { ...fast, authMethod: 'approle', roleId: 'role-1', secretId: 'secret-1' },
    )
    await Promise.all([client.wrapKey(KEY, 'k1'), client.wrapKey(KEY, 'k2')])
    const [login, ...calls] = fake?.requests ?? []
    expect(login?.body).toEqual({ role_id: 'role-1', secret_id: 'secret-1' })
    expect(login?.headers['x-vault-token']).toBeUndefined()
    expect(calls.map((call) => call.headers['x-vault-token'])).toEqual(['hvs.from-login', 'hvs.from-login'])
  })

  it('rewraps through <mount>/rewrap/<key>', async () => {
    const client = await clientFor(() => ({ status: 200, body: { data: { ciphertext: 'vault:v2:bmV3' } } }))
    expect(await client.rewrap(CIPHERTEXT, 'k1')).toBe('vault:v2:bmV3')
    expect(fake?.requests[0]?.path).toBe('/v1/transit/rewrap/k1')
  })
})

describe('configuration', () => {
  const conn = { kmsInstanceId: 'DEFAULT', kmsInstanceUrl: 'http://127.0.0.1:8200', keyAccessToken: TOKEN, custom: {} }

  it('needs a Vault address and a token for token auth', () => {
    const factory = createKmsClientFactory({})
    expect(() => factory({ ...conn, kmsInstanceUrl: 'DEFAULT' })).toThrow(UsageError)
    expect(() => factory({ ...conn, keyAccessToken: 'DEFAULT' })).toThrow(UsageError)
  })

  it('rejects unknown auth methods, missing AppRole ids and bad numbers', () => {
    expect(() => createKmsClientFactory({ authMethod: 'ldap' })).toThrow(UsageError)
    expect(() => createKmsClientFactory({ authMethod: 'approle', roleId: 'r' })).toThrow(/secretId/)
    expect(() => createKmsClientFactory({ requestTimeoutMs: '0' })).toThrow(/requestTimeoutMs/)
  })

  it('refuses unknown settings: the mount is the instance id, not a setting', () => {
    expect(() => createKmsClientFactory({ mount: 'transit' })).toThrow(/^unknown vault setting mount/)
    expect(() => createKmsClientFactory({ authmethod: 'approle' })).toThrow('(did you mean authMethod?)')
  })
})

describe("node-vault's VAULT_* variables", () => {
  const names = ['VAULT_NAMESPACE', 'VAULT_PREFIX', 'VAULT_TOKEN', 'VAULT_SKIP_VERIFY'] as const
  afterEach(() => {
    for (const name of names) delete process.env[name]
  })

  it('are not used: no namespace, path prefix or token the configuration did not give', async () => {
    Object.assign(process.env, {
      VAULT_NAMESPACE: 'from-env',
      VAULT_PREFIX: '/from-env',
      VAULT_TOKEN: 'hvs.from-env',
      VAULT_SKIP_VERIFY: '1',
    })
    const client = await clientFor(() => ({ status: 200, body: { data: { ciphertext: CIPHERTEXT } } }))
    expect(await client.wrapKey(KEY, 'k1')).toBe(CIPHERTEXT)
    const [request] = fake?.requests ?? []
    expect(request?.path).toBe('/v1/transit/encrypt/k1')
    expect(request?.headers['x-vault-namespace']).toBeUndefined()
    expect(request?.headers['x-vault-token']).toBe(TOKEN)
  })

  it('VAULT_TOKEN does not stand in for an AppRole login', async () => {
    process.env.VAULT_TOKEN = 'hvs.from-env'
    const client = await clientFor(
      (request) =>
        request.path.endsWith('/login')
          ? { status: 200, body: { auth: { client_token: 'hvs.from-login' } } }
          : { status: 200, body: { data: { ciphertext: CIPHERTEXT } } },
      { ...fast, authMethod: 'approle', roleId: 'r', secretId: 's' },
    )
    await client.wrapKey(KEY, 'k1')
    expect(fake?.requests.map((request) => request.headers['x-vault-token'])).toEqual([undefined, 'hvs.from-login'])
  })
})
