import { randomBytes } from 'node:crypto'
import { DescribeKeyCommand } from '@aws-sdk/client-kms'
import { KmsAccessDeniedError, KmsError, KmsKeyNotFoundError } from '@pme/core'
import { describe, expect, it } from 'vitest'
import { type AwsRunningBackend, backend } from './backends/aws.js'
import { itMode, modeSkipReason, selectedBackends } from './registry.js'
import { clientFor, rejection, useBackend } from './suite-backend.js'

/*
 * AWS-specific checks of the aws backend and @pme/kms-aws beyond the generic contract: every form
 * of master key id, the encryption context as AAD, IAM auth of the emulator, rotation listed.
 */

const mode = itMode()
const selected = (await selectedBackends()).some((b) => b.name === 'aws')
const skip = modeSkipReason(mode) ?? (selected ? undefined : 'aws not in PME_IT_BACKENDS')

describe.skipIf(skip)(`aws backend (${mode} mode)`, () => {
  const running = useBackend(backend, mode, 'aws-backend')
  const aws = () => running() as AwsRunningBackend

  it('wraps with an alias and unwraps with the key ARN and the key id (one key, three names)', async () => {
    const alias = await aws().createMasterKey()
    expect(alias).toMatch(/^alias\/pme-it-/)
    const client = await clientFor(aws(), aws().access)
    const key = randomBytes(32)
    const wrapped = await client.wrapKey(key, alias)
    expect(Buffer.from(wrapped, 'base64').toString('base64')).toBe(wrapped) // base64(CiphertextBlob)
    const arn = aws().target.admin.keyArn(alias)
    expect(arn).toMatch(/^arn:aws:kms:/)
    const keyId = arn.split(':key/')[1] as string
    expect(Buffer.from(await client.unwrapKey(wrapped, arn))).toEqual(key)
    expect(Buffer.from(await client.unwrapKey(wrapped, keyId))).toEqual(key)
  })

  it('uses the encryption context as AAD: another context cannot unwrap', async () => {
    const masterKey = await aws().createMasterKey()
    const withContext = await clientFor(aws(), aws().accessWith(aws().target.user, { 'encryptionContext.app': 'pme' }))
    const sameAsJson = await clientFor(
      aws(),
      aws().accessWith(aws().target.user, { encryptionContext: '{"app":"pme"}' }),
    )
    const without = await clientFor(aws(), aws().access)
    const key = randomBytes(16)
    const wrapped = await withContext.wrapKey(key, masterKey)
    expect(Buffer.from(await sameAsJson.unwrapKey(wrapped, masterKey))).toEqual(key)
    const error = await rejection(without.unwrapKey(wrapped, masterKey))
    expect(error).toBeInstanceOf(KmsError)
  })

  it('takes the endpoint from the connection instance URL when settings have none', async () => {
    const masterKey = await aws().createMasterKey()
    const { endpoint, ...settings } = aws().access.settings
    const client = await clientFor(aws(), { connection: { kmsInstanceUrl: endpoint ?? 'DEFAULT' }, settings })
    const key = randomBytes(24)
    expect(Buffer.from(await client.unwrapKey(await client.wrapKey(key, masterKey), masterKey))).toEqual(key)
  })

  it('unknown alias and unknown key ARN fail KmsKeyNotFoundError', async () => {
    const client = await clientFor(aws(), aws().access)
    expect(await rejection(client.wrapKey(randomBytes(16), 'alias/pme-it-nope'))).toBeInstanceOf(KmsKeyNotFoundError)
    const arn = aws().target.admin.keyArn(await aws().createMasterKey())
    const missing = arn.replace(/key\/.*/, 'key/00000000-0000-0000-0000-000000000000')
    expect(await rejection(client.wrapKey(randomBytes(16), missing))).toBeInstanceOf(KmsKeyNotFoundError)
  })

  it.runIf(mode !== 'external')(
    'enforces IAM in the emulator: unknown access keys and users without kms:Encrypt are refused',
    async () => {
      const masterKey = await aws().createMasterKey()
      const stranger = await clientFor(
        aws(),
        aws().accessWith({ accessKeyId: 'AKIAPMEITUNKNOWN0000', secretAccessKey: 'not-a-real-secret' }),
      )
      const error = await rejection(stranger.wrapKey(randomBytes(16), masterKey))
      expect(error).toBeInstanceOf(KmsAccessDeniedError)
      expect(String(error)).not.toContain('not-a-real-secret')
      expect(String(error)).not.toContain('AKIAPMEITUNKNOWN0000')
      const denied = await clientFor(aws(), await aws().deniedAccess(masterKey))
      expect(await rejection(denied.wrapKey(randomBytes(16), masterKey))).toBeInstanceOf(KmsAccessDeniedError)
      // The denied user may still describe the key: the refusal is about kms:Encrypt, not the key.
      const described = await aws().target.admin.kms.send(new DescribeKeyCommand({ KeyId: masterKey }))
      expect(described.KeyMetadata?.Enabled).toBe(true)
    },
  )

  it('rotation: RotateKeyOnDemand is listed, and keys wrapped before it still unwrap', async () => {
    const masterKey = await aws().createMasterKey()
    const client = await clientFor(aws(), aws().access)
    const key = randomBytes(16)
    const before = await client.wrapKey(key, masterKey)
    await aws().rotateMasterKey(masterKey)
    expect(Buffer.from(await client.unwrapKey(before, masterKey))).toEqual(key)
  })
})
