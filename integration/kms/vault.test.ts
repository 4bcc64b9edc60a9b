import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { KmsAccessDeniedError, KmsError, KmsKeyNotFoundError } from '@pme/core'
import { transitKeyVersion, VaultKmsClient } from '@pme/kms-vault'
import { beforeAll, describe, expect, it } from 'vitest'
import { VaultRunningBackend } from './backends/vault.js'
import { itMode, modeSkipReason, selectedBackends } from './registry.js'
import { rejection, useBackend } from './suite-backend.js'
import { transitPolicy, VaultAdmin } from './vault/vault-admin.js'
import { appRoleLogin } from './vault/vault-auth.js'

/* What only Vault Transit has: rewrap, min_decryption_version, AppRole login, namespaces. */

const mode = itMode()
const selected = (await selectedBackends()).find((backend) => backend.name === 'vault')
const skip = !selected || Boolean(modeSkipReason(mode))

describe.skipIf(skip)(`Vault Transit specifics (${mode} mode)`, () => {
  const running = useBackend(selected ?? { name: 'vault', start: VaultRunningBackend.start }, mode, 'vault')
  const vault = () => running() as VaultRunningBackend
  let client: VaultKmsClient

  beforeAll(() => {
    client = VaultKmsClient.create(vault().access.connection, vault().access.settings)
  })

  it('rewrap moves a wrapped key to the newest version without changing the key', async () => {
    const masterKey = await vault().createMasterKey()
    const key = randomBytes(32)
    const wrapped = await client.wrapKey(key, masterKey)
    await vault().rotateMasterKey(masterKey)
    await vault().rotateMasterKey(masterKey)
    const rewrapped = await client.rewrap(wrapped, masterKey)
    expect([transitKeyVersion(wrapped), transitKeyVersion(rewrapped)]).toEqual([1, 3])
    expect(Buffer.from(await client.unwrapKey(rewrapped, masterKey))).toEqual(key)
  })

  it('respects min_decryption_version: a key wrapped with a retired version fails with KmsError', async () => {
    const masterKey = await vault().createMasterKey()
    const key = randomBytes(16)
    const old = await client.wrapKey(key, masterKey)
    await vault().rotateMasterKey(masterKey)
    const current = await client.wrapKey(key, masterKey)
    await vault().admin.setMinDecryptionVersion(masterKey, 2)
    const error = await rejection(client.unwrapKey(old, masterKey))
    expect(error).toBeInstanceOf(KmsError)
    expect((error as Error).message).toMatch(/disallowed by policy/)
    expect(Buffer.from(await client.unwrapKey(current, masterKey))).toEqual(key)
  })

  it.skipIf(mode === 'external')('a wrong transit mount (instance id) fails typed', async () => {
    const masterKey = await vault().createMasterKey()
    const wrongMount = { ...vault().access.connection, kmsInstanceId: 'no-such-mount' }
    // A token allowed everywhere reaches the router: no engine there (404) → KmsError.
    const root = VaultKmsClient.create({ ...wrongMount, keyAccessToken: vault().target.rootToken })
    const error = await rejection(root.wrapKey(randomBytes(16), masterKey))
    expect(error?.constructor).toBe(KmsError)
    expect((error as Error).message).toMatch(/no transit engine at this mount/)
    // A token whose policy covers only the real mount is stopped by the ACL first (403).
    const scoped = VaultKmsClient.create(wrongMount)
    expect(await rejection(scoped.wrapKey(randomBytes(16), masterKey))).toBeInstanceOf(KmsAccessDeniedError)
  })

  it.skipIf(mode === 'external')('logs in with AppRole (settings.authMethod = approle)', async () => {
    const masterKey = await vault().createMasterKey()
    const policy = `pme-it-approle-${randomBytes(4).toString('hex')}`
    await vault().admin.writePolicy(policy, transitPolicy(vault().target.mount, masterKey))
    const { roleId, secretId } = await appRoleLogin(vault().admin, [policy])
    const access = vault().accessWith('DEFAULT', { authMethod: 'approle', roleId, secretId })
    const approle = VaultKmsClient.create(access.connection, access.settings)
    const key = randomBytes(16)
    expect(Buffer.from(await approle.unwrapKey(await approle.wrapKey(key, masterKey), masterKey))).toEqual(key)
  })

  it.skipIf(mode === 'external')('works inside a namespace (settings.namespace → X-Vault-Namespace)', async () => {
    const namespace = `pme-it-${randomBytes(4).toString('hex')}`
    await vault().admin.call('POST', `sys/namespaces/${namespace}`, {})
    const root = vault().target
    const inNamespace = new VaultAdmin(root.address, root.rootToken, 'transit', namespace)
    await inNamespace.ensureTransit()
    const masterKey = await inNamespace.createKey('pme-it')
    const access = vault().accessWith(root.rootToken, { namespace })
    const nsClient = VaultKmsClient.create(access.connection, access.settings)
    const key = randomBytes(16)
    expect(Buffer.from(await nsClient.unwrapKey(await nsClient.wrapKey(key, masterKey), masterKey))).toEqual(key)
    // Outside the namespace the key does not exist.
    expect(await rejection(client.wrapKey(key, masterKey))).toBeInstanceOf(KmsKeyNotFoundError)
  })

  it.skipIf(mode === 'external')(
    'leaks no token, secret id or key under DEBUG=* (no axios, no follow-redirects)',
    async () => {
      const masterKey = await vault().createMasterKey()
      const policy = `pme-it-debug-${randomBytes(4).toString('hex')}`
      await vault().admin.writePolicy(policy, transitPolicy(vault().target.mount, masterKey))
      const { roleId, secretId } = await appRoleLogin(vault().admin, [policy])
      const probe = fileURLToPath(new URL('./vault/debug-probe.mjs', import.meta.url))
      const key = randomBytes(32).toString('base64')
      const principals = [vault().access, vault().accessWith('DEFAULT', { authMethod: 'approle', roleId, secretId })]
      for (const access of principals) {
        const run = spawnSync(process.execPath, [probe], {
          encoding: 'utf8',
          timeout: 60_000,
          env: {
            ...process.env,
            DEBUG: '*',
            PME_IT_PROBE: JSON.stringify({ ...access, masterKey, keyBase64: key }),
          },
        })
        const output = `${run.stdout}\n${run.stderr}`
        expect(run.status, output).toBe(0)
        expect(run.stdout).toMatch(/round trip ok; missing key: Kms\w*Error/)
        expect(run.stderr).toContain('pme-it-probe debug output is on')
        for (const secret of [vault().access.connection.keyAccessToken as string, secretId, key]) {
          expect(output).not.toContain(secret)
        }
      }
    },
  )
})
