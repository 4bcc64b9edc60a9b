import { randomBytes } from 'node:crypto'
import {
  CreateGrantCommand,
  CreateKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  KMSClient,
} from '@aws-sdk/client-kms'
import { KmsKeyDisabledError, KmsKeyNotFoundError } from '@pme/core'
import { describe, expect, it } from 'vitest'
import type { AwsRunningBackend } from './backends/aws.js'
import { backend } from './backends/localstack.js'
import { itMode, modeSkipReason, selectedBackends } from './registry.js'
import { clientFor, rejection, useBackend } from './suite-backend.js'

/*
 * @pme/kms-aws against LocalStack (unpatched), where it behaves as AWS does and moto does not: a
 * disabled key (DisabledException), keys in two regions under one configuration (the region of a
 * key ARN), grant tokens.
 */

const mode = itMode()
const selected = (await selectedBackends()).some((b) => b.name === 'localstack')
const skip = modeSkipReason(mode) ?? (selected ? backend.skipReason?.(mode) : 'localstack not in PME_IT_BACKENDS')

describe.skipIf(skip)(`localstack backend (${mode} mode)`, () => {
  const running = useBackend(backend, mode, 'localstack-backend') as () => AwsRunningBackend
  const admin = () => running().target.admin

  it('a disabled key fails wrap and unwrap with KmsKeyDisabledError, and works again once enabled', async () => {
    const alias = await running().createMasterKey()
    const client = await clientFor(running(), running().access)
    const key = randomBytes(16)
    const wrapped = await client.wrapKey(key, alias)
    const KeyId = admin().keyArn(alias)
    await admin().kms.send(new DisableKeyCommand({ KeyId }))
    const wrapError = await rejection(client.wrapKey(key, alias))
    const unwrapError = await rejection(client.unwrapKey(wrapped, alias))
    expect(wrapError).toBeInstanceOf(KmsKeyDisabledError)
    expect(unwrapError).toBeInstanceOf(KmsKeyDisabledError)
    expect(String(wrapError)).toContain('DisabledException')
    await admin().kms.send(new EnableKeyCommand({ KeyId }))
    expect(Buffer.from(await client.unwrapKey(wrapped, alias))).toEqual(key)
  })

  it('one configuration (region us-east-1) uses a key of eu-west-1 by its ARN', async () => {
    const { endpoint, accessKeyId, secretAccessKey } = running().access.settings
    const eu = new KMSClient({
      region: 'eu-west-1',
      endpoint,
      credentials: { accessKeyId: accessKeyId ?? '', secretAccessKey: secretAccessKey ?? '' },
    })
    try {
      const arn = (await eu.send(new CreateKeyCommand({ Description: 'pme integration suite (eu-west-1)' })))
        .KeyMetadata?.Arn as string
      expect(arn).toMatch(/^arn:aws:kms:eu-west-1:/)
      expect(running().access.settings.region).toBe('us-east-1')
      const client = await clientFor(running(), running().access)
      const key = randomBytes(32)
      expect(Buffer.from(await client.unwrapKey(await client.wrapKey(key, arn), arn))).toEqual(key)
      // The bare key id names no key in the configured region: the ARN's region was used above.
      const keyId = arn.split(':key/')[1] as string
      expect(await rejection(client.wrapKey(key, keyId))).toBeInstanceOf(KmsKeyNotFoundError)
    } finally {
      eu.destroy()
    }
  })

  it('sends grant tokens (the grantTokens setting) with Encrypt and Decrypt', async () => {
    const alias = await running().createMasterKey()
    const grant = await admin().kms.send(
      new CreateGrantCommand({
        KeyId: admin().keyArn(alias),
        GranteePrincipal: 'arn:aws:iam::000000000000:user/pme-it',
        Operations: ['Encrypt', 'Decrypt'],
      }),
    )
    expect(grant.GrantToken).toBeTruthy()
    const access = running().accessWith(running().target.user, { grantTokens: grant.GrantToken ?? '' })
    const client = await clientFor(running(), access)
    const key = randomBytes(16)
    expect(Buffer.from(await client.unwrapKey(await client.wrapKey(key, alias), alias))).toEqual(key)
  })
})
