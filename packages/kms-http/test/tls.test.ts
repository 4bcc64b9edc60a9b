import { PmeError, UsageError } from '@pme/core'
import { LocalKms } from '@pme/kms-local'
import { createKmsServer, type KmsServer } from '@pme/kms-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HttpKmsClient } from '../src/index.js'
import { DEK, FAST, KEY_LIST, levelsAccess, TOKENS } from './helpers.js'
import { makeTestCertificates, type TestCertificates } from './tls-certificates.js'

/* HTTPS end to end: @pme/kms-server with a certificate of a throwaway CA, this client trusting that CA. */

let certs: TestCertificates
const servers: KmsServer[] = []

async function serve(clientCa: boolean, host = '127.0.0.1'): Promise<string> {
  const tls = {
    cert: certs.read(certs.serverCert),
    key: certs.read(certs.serverKey),
    ...(clientCa ? { clientCa: certs.read(certs.caFile) } : {}),
  }
  const server = createKmsServer({ backend: new LocalKms(KEY_LIST), access: levelsAccess(), log: () => {}, tls })
  servers.push(server)
  return server.listen(0, host)
}

beforeAll(() => {
  certs = makeTestCertificates()
})
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()))
  certs.remove()
})

const client = (url: string, settings: Record<string, string>) =>
  HttpKmsClient.create(
    { kmsInstanceUrl: url, keyAccessToken: TOKENS.INTERNAL },
    { ...FAST, retryAttempts: '1', ...settings },
  )

async function roundTrip(kms: HttpKmsClient): Promise<Uint8Array> {
  return kms.unwrapKey(await kms.wrapKey(DEK, 'INTERNAL'), 'INTERNAL')
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('the call should have failed')
    },
    (error: unknown) => error as Error,
  )

describe('the http KMS over TLS', () => {
  it('serves https, and the client trusting the CA (caFile) wraps and unwraps', async () => {
    const url = await serve(false)
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    expect(Buffer.from(await roundTrip(client(url, { caFile: certs.caFile })))).toEqual(Buffer.from(DEK))
  })

  it('refuses a server whose certificate the client does not trust: system CAs, another CA, the wrong name', async () => {
    const url = await serve(false)
    const untrusted: Record<string, string>[] = [
      {},
      { caFile: certs.otherCaFile },
      { caFile: certs.caFile, serverName: 'wrong.test' },
    ]
    for (const settings of untrusted) {
      const error = await refusal(roundTrip(client(url, settings)))
      expect(error, JSON.stringify(settings)).toBeInstanceOf(PmeError)
      expect(error.message).not.toContain(TOKENS.INTERNAL)
    }
  })

  it('checks the name given by serverName instead of the URL host', async () => {
    const url = await serve(false)
    const kms = client(url, { caFile: certs.caFile, serverName: 'kms.test' })
    expect(Buffer.from(await roundTrip(kms))).toEqual(Buffer.from(DEK))
  })

  it('with a client CA, answers only clients with a certificate it signed', async () => {
    const url = await serve(true)
    const without = await refusal(roundTrip(client(url, { caFile: certs.caFile })))
    expect(without).toBeInstanceOf(PmeError)
    const withCert = client(url, {
      caFile: certs.caFile,
      clientCertFile: certs.clientCert,
      clientKeyFile: certs.clientKey,
    })
    expect(Buffer.from(await roundTrip(withCert))).toEqual(Buffer.from(DEK))
  })

  it('listens beyond loopback when it has TLS', async () => {
    const url = await serve(false, '0.0.0.0')
    expect(url).toMatch(/^https:\/\/0\.0\.0\.0:\d+$/)
  })

  it('refuses TLS settings with an http:// URL rather than ignore them', () => {
    expect(() => client('http://127.0.0.1:1', { caFile: certs.caFile })).toThrow(UsageError)
    expect(() => client('http://127.0.0.1:1', { caFile: certs.caFile })).toThrow(/need an https:\/\/ URL/)
  })
})
