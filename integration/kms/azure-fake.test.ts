import { randomBytes } from 'node:crypto'
import { KmsAccessDeniedError } from '@pme/core'
import { describe, expect, it } from 'vitest'
import { type AzureRunningBackend, backend } from './backends/azure.js'
import { itMode, modeSkipReason, selectedBackends } from './registry.js'
import { clientFor, rejection, useBackend } from './suite-backend.js'

/*
 * Azure Key Vault specifics, verified against the FAKE Key Vault (integration/kms/azure/fake-key-vault.ts,
 * written from the Key Vault REST API as @azure/keyvault-keys sends it). Runs in process mode without
 * PME_LOWKEY_VAULT_JAR only (the fake's REST details; lowkey-vault and real vaults differ in messages).
 */

const mode = itMode()
const selected = (await selectedBackends()).some((b) => b.name === 'azure')
const skip = !selected || mode !== 'process' || Boolean(process.env.PME_LOWKEY_VAULT_JAR) || modeSkipReason(mode)

describe.skipIf(skip)('Azure Key Vault specifics (verified against the FAKE Key Vault)', () => {
  const running = useBackend(backend, mode, 'azure') as () => AzureRunningBackend
  const token = () => running().access.connection.keyAccessToken ?? ''
  /** The fake's administrator (every key permission): the suites' principal may not read keys. */
  const admin = async () => (await running().target.adminCredential.getToken(''))?.token ?? ''
  const call = (path: string, init: { method?: string; body?: unknown; token?: string } = {}) =>
    fetch(`${running().baseUrl}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        'content-type': 'application/json',
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      },
      ...(init.body ? { body: JSON.stringify(init.body) } : {}),
    })

  it('RSA-OAEP (SHA-1) and RSA-OAEP-256 wrap in Key Vault with wrapKey and unwrapKey only (no keys/get)', async () => {
    for (const algorithm of ['RSA-OAEP', 'RSA-OAEP-256']) {
      const access = { ...running().access, settings: { ...running().access.settings, algorithm } }
      const client = await clientFor(running(), access)
      const masterKey = await running().createMasterKey()
      const key = randomBytes(32)
      const wrapped = await client.wrapKey(key, masterKey)
      expect(JSON.parse(wrapped).alg).toBe(algorithm)
      expect(Buffer.from(await client.unwrapKey(wrapped, masterKey))).toEqual(key)
    }
    const user = await call(`/keys/${await running().createMasterKey()}?api-version=7.4`, { token: token() })
    expect(user.status).toBe(403) // the suites' principal may not read keys
  })

  it('localWrap: wraps with the public key (keys/get), so a principal without wrapKey can wrap; the fake unwraps', async () => {
    const reader = { ...running().access.connection, keyAccessToken: running().target.readerToken ?? '' }
    for (const algorithm of ['RSA-OAEP', 'RSA-OAEP-256']) {
      const settings = { ...running().access.settings, algorithm }
      const masterKey = await running().createMasterKey()
      const key = randomBytes(32)
      const inVault = await clientFor(running(), { connection: reader, settings })
      expect(await rejection(inVault.wrapKey(key, masterKey))).toBeInstanceOf(KmsAccessDeniedError)
      const local = await clientFor(running(), { connection: reader, settings: { ...settings, localWrap: 'true' } })
      const wrapped = await local.wrapKey(key, masterKey)
      expect(JSON.parse(wrapped).alg).toBe(algorithm)
      const user = await clientFor(running(), running().access)
      expect(Buffer.from(await user.unwrapKey(wrapped, masterKey))).toEqual(key)
    }
  })

  it('answers a request without a token with the bearer challenge', async () => {
    const response = await call('/keys/any?api-version=7.4')
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toMatch(
      /^Bearer authorization="https:\/\/login\.microsoftonline\.com\/[0-9a-f-]{36}", resource="https:\/\/vault\.azure\.net"$/,
    )
  })

  it('answers Key Vault error bodies: KeyNotFound 404, BadParameter 400 (no api-version), Unauthorized 401', async () => {
    const missing = await call('/keys/pme-it-missing?api-version=7.4', { token: await admin() })
    expect(missing.status).toBe(404)
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('KeyNotFound')
    const noVersion = await call('/keys/pme-it-missing', { token: await admin() })
    expect(noVersion.status).toBe(400)
    expect(((await noVersion.json()) as { error: { code: string } }).error.code).toBe('BadParameter')
    const unknown = await call('/keys/pme-it-missing?api-version=7.4', { token: 'not-a-token' })
    expect(unknown.status).toBe(401)
  })

  it('refuses a principal without permission on the key with 403 Forbidden', async () => {
    const masterKey = await running().createMasterKey()
    const denied = (await running().deniedAccess(masterKey)).connection.keyAccessToken ?? ''
    const response = await call(`/keys/${masterKey}?api-version=7.4`, { token: denied })
    expect(response.status).toBe(403)
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('Forbidden')
  })

  it('wraps with a named version (RSA-OAEP-256) and a ciphertext of another version does not unwrap (400)', async () => {
    const masterKey = await running().createMasterKey()
    const adminToken = await admin()
    const first = (await (await call(`/keys/${masterKey}?api-version=7.4`, { token: adminToken })).json()) as {
      key: { kid: string }
    }
    await running().rotateMasterKey(masterKey)
    const second = (await (await call(`/keys/${masterKey}?api-version=7.4`, { token: adminToken })).json()) as {
      key: { kid: string }
    }
    expect(second.key.kid).not.toBe(first.key.kid)
    const path = (kid: string) => new URL(kid).pathname
    const value = randomBytes(16).toString('base64url')
    const wrapped = (await (
      await call(`${path(first.key.kid)}/wrapkey?api-version=7.4`, {
        method: 'POST',
        token: adminToken,
        body: { alg: 'RSA-OAEP-256', value },
      })
    ).json()) as { kid: string; value: string }
    expect(wrapped.kid).toBe(first.key.kid)
    const unwrap = (kid: string) =>
      call(`${path(kid)}/unwrapkey?api-version=7.4`, {
        method: 'POST',
        token: adminToken,
        body: { alg: 'RSA-OAEP-256', value: wrapped.value },
      })
    expect(((await (await unwrap(first.key.kid)).json()) as { value: string }).value).toBe(value)
    const wrong = await unwrap(second.key.kid)
    expect(wrong.status).toBe(400)
  })
})
