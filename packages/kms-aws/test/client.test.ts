import type { DecryptCommand, EncryptCommand } from '@aws-sdk/client-kms'
import { UsageError } from '@pme/core'
import { describe, expect, it } from 'vitest'
import { AwsKmsClient, type KmsSender, regionOf } from '../src/index.js'

/** A stub KMS: "encrypts" by prefixing the key id, and records what it was sent. */
function stubKms() {
  const sent: (EncryptCommand | DecryptCommand)[] = []
  const sender: KmsSender = {
    async send(command) {
      sent.push(command)
      const input = command.input as { KeyId?: string; Plaintext?: Uint8Array; CiphertextBlob?: Uint8Array }
      if (input.Plaintext) return { CiphertextBlob: Buffer.concat([Buffer.from(`${input.KeyId}|`), input.Plaintext]) }
      const blob = Buffer.from(input.CiphertextBlob ?? [])
      return { Plaintext: blob.subarray(blob.indexOf('|') + 1) }
    },
  }
  return { sender, sent }
}

describe('AwsKmsClient', () => {
  it('wraps to base64(CiphertextBlob) and unwraps with Decrypt(CiphertextBlob, KeyId)', async () => {
    const { sender, sent } = stubKms()
    const client = new AwsKmsClient(sender)
    const key = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16])
    const wrapped = await client.wrapKey(key, 'alias/footer')
    expect(Buffer.from(wrapped, 'base64').toString('latin1').startsWith('alias/footer|')).toBe(true)
    expect(await client.unwrapKey(wrapped, 'alias/footer')).toEqual(key)
    expect(sent.map((c) => c.constructor.name)).toEqual(['EncryptCommand', 'DecryptCommand'])
    expect(sent[1]?.input.KeyId).toBe('alias/footer')
    expect(sent[0]?.input.EncryptionContext).toBeUndefined()
  })

  it('sends the encryption context both ways', async () => {
    const { sender, sent } = stubKms()
    const client = new AwsKmsClient(sender, { encryptionContext: { app: 'pme' } })
    await client.unwrapKey(await client.wrapKey(new Uint8Array(16), 'k'), 'k')
    expect(sent.map((c) => c.input.EncryptionContext)).toEqual([{ app: 'pme' }, { app: 'pme' }])
  })

  it('refuses an empty or DEFAULT master key id', async () => {
    const client = new AwsKmsClient(stubKms().sender)
    await expect(client.wrapKey(new Uint8Array(16), '')).rejects.toBeInstanceOf(UsageError)
    await expect(client.wrapKey(new Uint8Array(16), 'DEFAULT')).rejects.toBeInstanceOf(UsageError)
  })
})

describe('AwsKmsClient regions, grant tokens and close', () => {
  const ARN_EU = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'
  const ARN_US = 'arn:aws:kms:us-east-2:111122223333:alias/footer'

  it('takes the region from a key or alias ARN, one SDK client per region, destroyed by close()', async () => {
    const made: { region: string | undefined; destroyed: boolean; sent: number }[] = []
    const client = new AwsKmsClient((region) => {
      const record = { region, destroyed: false, sent: 0 }
      made.push(record)
      const { sender } = stubKms()
      return {
        send: (command) => {
          record.sent++
          return sender.send(command)
        },
        destroy: () => {
          record.destroyed = true
        },
      }
    })
    const key = new Uint8Array(16).fill(3)
    for (const id of [ARN_EU, ARN_US, 'alias/local', ARN_EU, 'alias/other']) {
      expect(await client.unwrapKey(await client.wrapKey(key, id), id)).toEqual(key)
    }
    expect(made.map((m) => [m.region, m.sent])).toEqual([
      ['eu-west-1', 4],
      ['us-east-2', 2],
      [undefined, 4],
    ])
    client.close()
    expect(made.every((m) => m.destroyed)).toBe(true)
  })

  it('sends the grant tokens with Encrypt and Decrypt', async () => {
    const { sender, sent } = stubKms()
    const client = new AwsKmsClient(sender, { grantTokens: ['g1', 'g2'] })
    await client.unwrapKey(await client.wrapKey(new Uint8Array(16), 'k'), 'k')
    expect(sent.map((c) => c.input.GrantTokens)).toEqual([
      ['g1', 'g2'],
      ['g1', 'g2'],
    ])
  })

  it('regionOf reads only ARNs', () => {
    expect(regionOf(ARN_EU)).toBe('eu-west-1')
    expect(regionOf('arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/k')).toBe('us-gov-west-1')
    expect(regionOf('alias/x')).toBeUndefined()
    expect(regionOf('1234abcd-12ab-34cd-56ef-1234567890ab')).toBeUndefined()
  })
})
