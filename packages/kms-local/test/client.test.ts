import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CryptoFactory, kmsConnectionConfig, readParquet, writeParquet } from '@pme/core'
import { afterAll, describe, expect, it } from 'vitest'
import { LocalKms, LocalKmsClient, localKmsClientFactory } from '../src/index.js'
import { DEK, KEY_LIST } from './helpers.js'

/* The KmsClient side: clients bound to a token, and the README's example through CryptoFactory. */

describe('localKmsClientFactory', () => {
  it('returns clients over the same KMS, with async wrap and unwrap', async () => {
    const kms = new LocalKms(KEY_LIST)
    const factory = localKmsClientFactory(kms)
    const writer = await factory(kmsConnectionConfig())
    const reader = await factory(kmsConnectionConfig({ kmsInstanceId: 'other', kmsInstanceUrl: 'http://ignored' }))
    expect(writer).toBeInstanceOf(LocalKmsClient)
    const wrapped = writer.wrapKey(DEK, 'kc1')
    expect(wrapped).toBeInstanceOf(Promise)
    expect(await reader.unwrapKey(await wrapped, 'kc1')).toEqual(DEK)
    expect(kms.stats().total).toEqual({ wrapCalls: 1, unwrapCalls: 1, denied: 0 })
  })

  it('rejects (never throws synchronously) when the KMS refuses', async () => {
    const client = new LocalKmsClient(new LocalKms(KEY_LIST))
    const pending = client.unwrapKey('AAAA', 'nope')
    expect(pending).toBeInstanceOf(Promise)
    await expect(pending).rejects.toThrow('master key "nope" is not known to the local KMS')
  })

  it('does not show its token when inspected or serialized', async () => {
    const { inspect } = await import('node:util')
    const client = new LocalKmsClient(new LocalKms(KEY_LIST), 'tok-do-not-print')
    expect(inspect(client, { showHidden: true, depth: 5 })).not.toContain('tok-do-not-print')
    expect(JSON.stringify(client)).not.toContain('tok-do-not-print')
  })
})

describe('the README example', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pme-kms-local-readme-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('writes and reads an encrypted file, with one KMS call per master key', async () => {
    const kms = new LocalKms(KEY_LIST, { acl: { 'etl-token': '*' } })
    const cryptoFactory = new CryptoFactory(localKmsClientFactory(kms))
    const keyAccessToken = 'etl-token'
    const path = join(dir, 'people.parquet.encrypted')
    const data = { rows: [{ name: 'Ann', ssn: '123-45-6789' }] }

    for (const file of [path, join(dir, 'second.parquet.encrypted')]) {
      const encryption = await cryptoFactory.fileEncryptionProperties(
        { keyAccessToken },
        { footerKey: 'kf', columnKeys: { kc1: ['ssn'] } },
      )
      await writeParquet(file, data, { encryption })
    }
    // Double wrapping: the KEK of each master key is wrapped once and cached for both files.
    expect(kms.stats().total.wrapCalls).toBe(2)

    const rows = await readParquet(path, cryptoFactory.fileDecryptionProperties({ keyAccessToken }))
    expect(rows).toEqual(data.rows)
  })
})
