import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { KmsUnavailableError, kmsConnectionConfig } from '@pme/core'
import { afterEach, describe, expect, it } from 'vitest'
import { createKmsClientFactory } from '../src/index.js'

/** A local HTTP server standing in for KMS: answers each request with `handler(n)`, n from 1. */
async function fakeKms(handler: (n: number, res: ServerResponse) => void) {
  let count = 0
  const server: Server = createServer((req: IncomingMessage, res) => {
    req.resume()
    req.on('end', () => handler(++count, res))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, server, requests: () => count }
}

const servers: Server[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections()
    await new Promise((resolve) => s.close(resolve))
  }
})

async function clientFor(url: string, extra: Record<string, string> = {}) {
  const settings = { region: 'us-east-1', accessKeyId: 'test', secretAccessKey: 'test', endpoint: url, ...extra }
  return createKmsClientFactory(settings)(kmsConnectionConfig())
}

function json(res: ServerResponse, status: number, body: object) {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(body))
}

describe('retries through the SDK standard strategy', () => {
  it('retries a 5xx up to maxAttempts, then fails KmsUnavailable', async () => {
    const kms = await fakeKms((_, res) => json(res, 500, { __type: 'KMSInternalException', message: 'boom' }))
    servers.push(kms.server)
    const client = await clientFor(kms.url, { maxAttempts: '3' })
    const failure = await client.wrapKey(new Uint8Array(16), 'alias/k').catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(KmsUnavailableError)
    expect(kms.requests()).toBe(3)
  })

  it('retries throttling and succeeds when the KMS recovers', async () => {
    const blob = Buffer.from('blob').toString('base64')
    const kms = await fakeKms((n, res) =>
      n < 3
        ? json(res, 400, { __type: 'ThrottlingException', message: 'Rate exceeded' })
        : json(res, 200, { CiphertextBlob: blob, KeyId: 'arn:k' }),
    )
    servers.push(kms.server)
    const client = await clientFor(kms.url)
    expect(await client.wrapKey(new Uint8Array(16), 'alias/k')).toBe(blob)
    expect(kms.requests()).toBe(3)
  })

  it('times a hanging request out, retries, then fails KmsUnavailable', async () => {
    const kms = await fakeKms(() => {}) // never answers
    servers.push(kms.server)
    const client = await clientFor(kms.url, { maxAttempts: '2', requestTimeoutMs: '200' })
    const started = Date.now()
    const failure = await client.wrapKey(new Uint8Array(16), 'alias/k').catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(KmsUnavailableError)
    expect(kms.requests()).toBe(2)
    expect(Date.now() - started).toBeLessThan(5_000)
  })
})
