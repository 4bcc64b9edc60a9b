import { randomBytes } from 'node:crypto'
import { KmsAccessDeniedError, KmsError, kmsConnectionConfig } from '@pme/core'
import { IbmKmsClient } from '@pme/kms-ibm'
import { describe, expect, it } from 'vitest'
import { backend, type IbmRunningBackend } from './backends/ibm.js'
import { FakeKeyProtect } from './ibm/fake-key-protect.js'
import { itMode, modeSkipReason, selectedBackends } from './registry.js'
import { rejection, useBackend } from './suite-backend.js'

/*
 * IBM Key Protect specifics. In process and docker mode IBM is verified against the FAKE Key Protect
 * (integration/kms/ibm/fake-key-protect.ts, written from IBM's published API; no emulator exists;
 * in a container in docker mode); external mode runs the same tests against a real instance. The
 * token-expiry test starts a fake of its own with a short token lifetime (process mode only).
 */

const mode = itMode()
const selected = (await selectedBackends()).some((b) => b.name === 'ibm')
const skip = !selected || modeSkipReason(mode) !== undefined || backend.skipReason?.(mode) !== undefined
const where = mode === 'external' ? 'external mode' : `verified against the FAKE Key Protect, ${mode} mode`

describe.skipIf(skip)(`IBM Key Protect specifics (${where})`, () => {
  const running = useBackend(backend, mode, 'ibm') as () => IbmRunningBackend
  const ibmClient = (access = running().access) =>
    IbmKmsClient.create(kmsConnectionConfig(access.connection), access.settings)

  it('wrap reports the key version; after rotate, new wraps use the new one and old ciphertexts unwrap (rewrapped)', async () => {
    const client = ibmClient()
    const root = await running().createMasterKey()
    const key = randomBytes(32)
    const before = await client.wrap(key, root)
    await running().rotateMasterKey(root)
    const after = await client.wrap(key, root)
    expect(after.keyVersion).toBeDefined()
    expect(after.keyVersion).not.toBe(before.keyVersion)
    const old = await client.unwrap(before.ciphertext, root)
    expect(Buffer.from(old.plaintext)).toEqual(key)
    expect(old.keyVersion).toBe(before.keyVersion)
    expect(old.rewrapped?.keyVersion).toBe(after.keyVersion)
    expect(Buffer.from(await client.unwrapKey(old.rewrapped?.ciphertext ?? '', root))).toEqual(key)
  })

  it('rewrap moves a ciphertext to the newest key version without exposing the key', async () => {
    const client = ibmClient()
    const root = await running().createMasterKey()
    const key = randomBytes(16)
    const wrapped = await client.wrapKey(key, root)
    await running().rotateMasterKey(root)
    const rewrapped = await client.rewrap(wrapped, root)
    expect(rewrapped).not.toBe(wrapped)
    expect(Buffer.from(await client.unwrapKey(rewrapped, root))).toEqual(key)
    if (mode !== 'external') expect(FakeKeyProtect.versionOf(rewrapped)).toBe(2)
  })

  it('a wrong instance GUID (bluemix-instance) is KmsAccessDeniedError', async () => {
    const { connection, settings } = running().access
    const wrong = { ...connection, kmsInstanceId: '00000000-0000-4000-8000-00000000beef' }
    const root = await running().createMasterKey()
    expect(await rejection(ibmClient({ connection: wrong, settings }).wrapKey(randomBytes(16), root))).toBeInstanceOf(
      KmsAccessDeniedError,
    )
  })

  it('an unknown API key is refused by IAM: KmsAccessDeniedError, the key not in the message', async () => {
    const { connection, settings } = running().access
    const bogus = `bogus-${randomBytes(12).toString('hex')}`
    const error = await rejection(
      ibmClient({ connection: { ...connection, keyAccessToken: bogus }, settings }).wrapKey(randomBytes(16), 'k'),
    )
    expect(error).toBeInstanceOf(KmsAccessDeniedError)
    expect(`${String(error)} ${(error as Error).stack}`).not.toContain(bogus)
  })

  it('a damaged ciphertext is KmsError (Key Protect 422 / 400)', async () => {
    const client = ibmClient()
    const root = await running().createMasterKey()
    const wrapped = await client.wrapKey(randomBytes(16), root)
    const damaged = Buffer.from(wrapped, 'base64')
    const middle = Math.floor(damaged.length / 2)
    damaged[middle] = (damaged[middle] ?? 0) ^ 1
    const error = await rejection(client.unwrapKey(damaged.toString('base64'), root))
    expect(error).toBeInstanceOf(KmsError)
  })

  it.skipIf(mode !== 'process')(
    'fake: expired IAM tokens are refused (401) and the adapter refreshes them',
    async () => {
      const fake = new FakeKeyProtect({ tokenTtlSeconds: 2 })
      const url = await fake.start()
      try {
        const apiKey = fake.createApiKey('Writer')
        const type = 'application/vnd.ibm.kms.key+json'
        const token = (await (
          await fetch(fake.iamUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: `grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=${apiKey}`,
          })
        ).json()) as { access_token: string; expires_in: number }
        expect(token.expires_in).toBe(2)
        const created = await fetch(`${url}/api/v2/keys`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token.access_token}`,
            'bluemix-instance': fake.instanceId,
            'content-type': type,
          },
          body: JSON.stringify({
            metadata: { collectionType: type, collectionTotal: 1 },
            resources: [{ type, name: 'k', extractable: false }],
          }),
        })
        const root = ((await created.json()) as { resources: { id: string }[] }).resources[0]?.id ?? ''
        const client = IbmKmsClient.create(
          { kmsInstanceUrl: url, kmsInstanceId: fake.instanceId, keyAccessToken: apiKey },
          { iamUrl: fake.iamUrl },
        )
        const key = randomBytes(16)
        const wrapped = await client.wrapKey(key, root)
        await new Promise((resolve) => setTimeout(resolve, 2_100))
        const expired = await fetch(`${url}/api/v2/keys/${root}/actions/wrap`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token.access_token}`, 'bluemix-instance': fake.instanceId },
          body: '{}',
        })
        expect(expired.status).toBe(401)
        expect(((await expired.json()) as { metadata: { collectionType: string } }).metadata.collectionType).toBe(
          'application/vnd.ibm.kms.error+json',
        )
        expect(Buffer.from(await client.unwrapKey(wrapped, root))).toEqual(key)
        expect(client.tokenRequests).toBe(2)
      } finally {
        await fake.stop()
      }
    },
  )
})
