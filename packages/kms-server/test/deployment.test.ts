import { UsageError } from '@pme/core'
import { LocalKms } from '@pme/kms-local'
import { describe, expect, it } from 'vitest'
import { createKmsServer, isLoopbackHost, openApiDocument } from '../src/index.js'
import { call, KEY_LIST, levelsAccess, MASTER_KEYS, secretForms, serveForTests } from './helpers.js'

describe('plain HTTP beyond loopback', () => {
  const server = (options = {}) =>
    createKmsServer({ backend: new LocalKms(KEY_LIST), access: levelsAccess(), log: () => {}, ...options })

  it('is refused without TLS, saying why and what to do', async () => {
    const refused = server().listen(0, '0.0.0.0')
    await expect(refused).rejects.toThrow(UsageError)
    await expect(server().listen(0, '0.0.0.0')).rejects.toThrow(
      /refusing plain HTTP on 0\.0\.0\.0 \(not loopback\).*--tls-cert and --tls-key.*or --insecure-http/,
    )
  })

  it('is allowed with insecureHttp, and loopback always', async () => {
    for (const [host, options] of [
      ['0.0.0.0', { insecureHttp: true }],
      ['127.0.0.1', {}],
      ['localhost', {}],
    ] as const) {
      const kms = server(options)
      expect(await kms.listen(0, host)).toMatch(/^http:\/\//)
      await kms.close()
    }
  })

  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.5', false],
    ['kms.example.com', false],
    ['127.0.0.1.example.com', false],
  ])('isLoopbackHost(%j) is %j', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback)
  })
})

describe('the OpenAPI document and Swagger UI list the master key ids', () => {
  const served = serveForTests()

  it('every id of a local backend, as the choices of the path parameter, and no key bytes', async () => {
    const answer = await call(`${served.url}/openapi.json`)
    const doc = answer.body as ReturnType<typeof openApiDocument>
    const ids = ['CONFIDENTIAL', 'INTERNAL', 'PUBLIC', 'RESTRICTED']
    const parameter = doc.paths['/v1/keys/{masterKeyId}/unwrap'].post.parameters[0] as { schema: { enum?: string[] } }
    expect([...(parameter.schema.enum ?? [])].sort()).toEqual(ids)
    for (const id of ids) expect(doc.info.description).toContain(id)
    for (const secret of secretForms(Object.values(MASTER_KEYS))) expect(answer.text).not.toContain(secret)
  })

  it('the ids the access policy names when the keys are an adapter’s, as examples', () => {
    const doc = openApiDocument({ ids: ['orders', 'users'], complete: false })
    const parameter = doc.paths['/v1/keys/{masterKeyId}/wrap'].post.parameters[0] as {
      description: string
      schema: { enum?: string[]; example?: string }
    }
    expect(parameter.schema.enum).toBeUndefined()
    expect(parameter.schema.example).toBe('orders')
    expect(parameter.description).toBe('Master key id: for example orders, users')
  })
})
