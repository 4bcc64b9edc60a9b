import {
  KmsAccessDeniedError,
  type KmsClient,
  type KmsConnectionConfig,
  KmsError,
  KmsKeyNotFoundError,
  KmsUnavailableError,
} from '@pme/core'
import { describe, expect, it } from 'vitest'
import { createKmsServer } from '../src/index.js'
import { b64, DEK, errorOf, expectNoSecrets, keyUrl, levelsAccess, post, serveForTests, TOKENS } from './helpers.js'

/** A fake adapter: wraps as "fake:<base64>" and fails as told by the master key id. */
class FakeAdapterClient implements KmsClient {
  async wrapKey(key: Uint8Array, masterKeyId: string): Promise<string> {
    failAsTold(masterKeyId)
    return `fake:${b64(key)}`
  }

  async unwrapKey(wrapped: string, masterKeyId: string): Promise<Uint8Array> {
    failAsTold(masterKeyId)
    if (!wrapped.startsWith('fake:'))
      throw new KmsError('not a fake ciphertext (backend detail: https://kms.internal/v1)')
    return new Uint8Array(Buffer.from(wrapped.slice(5), 'base64'))
  }
}

function failAsTold(masterKeyId: string): void {
  if (masterKeyId === 'PUBLIC') throw new KmsUnavailableError('KMS unavailable: connect ECONNREFUSED 10.1.2.3:8200')
  if (masterKeyId === 'INTERNAL') throw new KmsKeyNotFoundError('no key INTERNAL in transit mount')
  if (masterKeyId === 'CONFIDENTIAL') throw new KmsAccessDeniedError('permission denied for token hvs.backend-secret')
  if (masterKeyId === 'broken') throw new TypeError('cannot read properties of undefined (hvs.backend-secret)')
}

describe('an adapter backend (any KmsClientFactory)', () => {
  const connections: KmsConnectionConfig[] = []
  const served = serveForTests({
    backend: {
      factory: (connection) => {
        connections.push(connection)
        return new FakeAdapterClient()
      },
      connection: { kmsInstanceUrl: 'https://vault.internal:8200', keyAccessToken: 'hvs.backend-secret' },
      name: 'fake',
    },
    access: { acl: { [TOKENS.RESTRICTED]: '*' }, enforceOn: ['wrap', 'unwrap'] },
  })
  const wrapAs = (id: string) => post(keyUrl(served.url, id, 'wrap'), { key: b64(DEK) }, TOKENS.RESTRICTED)

  it('creates one client, with the configured connection, and forwards wrap and unwrap to it', async () => {
    const wrapped = await wrapAs('RESTRICTED')
    expect(wrapped.body).toEqual({ wrappedKey: `fake:${b64(DEK)}` })
    const unwrapped = await post(keyUrl(served.url, 'RESTRICTED', 'unwrap'), wrapped.body, TOKENS.RESTRICTED)
    expect(unwrapped.body).toEqual({ key: b64(DEK) })
    expect(connections).toHaveLength(1)
    expect(connections[0]).toMatchObject({ kmsInstanceUrl: 'https://vault.internal:8200', kmsInstanceId: 'DEFAULT' })
  })

  it('503 with retry-after when the backend is unavailable', async () => {
    const answer = await wrapAs('PUBLIC')
    expect(answer.status).toBe(503)
    expect(answer.headers.get('retry-after')).toBe('1')
    expect(errorOf(answer)).toEqual({
      code: 'kms_unavailable',
      message: 'the KMS backend is unavailable (wrap with master key "PUBLIC"): retry later',
    })
  })

  it.each([
    ['INTERNAL', 404, 'key_not_found', 'master key "INTERNAL" not found'],
    ['CONFIDENTIAL', 403, 'backend_access_denied', 'the KMS backend refused wrap with master key "CONFIDENTIAL"'],
    ['broken', 500, 'internal_error', 'internal error'],
  ])('maps the backend failure for %s to %i %s', async (id, status, code, message) => {
    const answer = await wrapAs(id)
    expect(answer.status).toBe(status)
    expect(errorOf(answer)).toEqual({ code, message })
  })

  it("never passes the backend's messages on (they may name hosts and credentials)", async () => {
    const answers = [
      await wrapAs('PUBLIC'),
      await wrapAs('CONFIDENTIAL'),
      await wrapAs('broken'),
      await post(keyUrl(served.url, 'RESTRICTED', 'unwrap'), { wrappedKey: 'nope' }, TOKENS.RESTRICTED),
    ]
    expect(answers.map((answer) => answer.status)).toEqual([503, 403, 500, 400])
    expectNoSecrets(
      [...answers.map((answer) => answer.text), ...served.logs],
      ['hvs.backend-secret', '10.1.2.3', 'vault.internal', 'kms.internal', 'cannot read'],
    )
  })

  it('checks access before calling the backend', async () => {
    const answer = await post(keyUrl(served.url, 'INTERNAL', 'wrap'), { key: b64(DEK) }, TOKENS.INTERNAL)
    expect(answer.status).toBe(401) // not a token of this policy, and not the backend's 404
  })
})

describe('an adapter whose factory fails', () => {
  it('makes listen() fail with that error, and the server does not listen', async () => {
    const server = createKmsServer({
      backend: {
        factory: () => {
          throw new KmsError('the vault KMS needs an instance URL')
        },
      },
      access: levelsAccess(),
    })
    await expect(server.listen(0)).rejects.toThrow('the vault KMS needs an instance URL')
    expect(server.url).toBeUndefined()
  })
})

describe('closing the server', () => {
  it("closes the adapter's client once, after the listener", async () => {
    let closed = 0
    const client = Object.assign(new FakeAdapterClient(), {
      close: async () => {
        closed += 1
      },
    })
    const server = createKmsServer({
      backend: { factory: () => client, name: 'fake' },
      access: { acl: {}, enforceOn: [] },
      log: () => {},
    })
    await server.listen(0, '127.0.0.1')
    expect(closed).toBe(0)
    await server.close()
    expect(closed).toBe(1)
    await server.close()
    expect(closed).toBe(1)
  })
})
