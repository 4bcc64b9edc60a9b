import { describe, expect, it } from 'vitest'
import { UsageError } from '../src/errors.js'
import { resolveEncryptionConfiguration } from '../src/keys/encryption-configuration.js'
import {
  encryptionConfigurationFromProperties as fromProperties,
  kmsConnectionFromProperties,
} from '../src/keys/hadoop-properties.js'

/* parquet-java's property names (pme-reference §7) give the same configuration as pyarrow's options. */

describe('parquet.encryption.* properties', () => {
  it('give the configuration that the camelCase options give, defaults included', () => {
    const properties = {
      'parquet.encryption.footer.key': 'kf',
      'parquet.encryption.column.keys': 'kc1:ssn,email;kc2:salary',
      'parquet.encryption.plaintext.footer': 'true',
      'parquet.encryption.algorithm': 'AES_GCM_CTR_V1',
      'parquet.encryption.double.wrapping': 'FALSE',
      'parquet.encryption.cache.lifetime.seconds': '60',
      'parquet.encryption.key.material.store.internally': 'false',
      'parquet.encryption.data.key.length.bits': '256',
      'parquet.encryption.kek.length.bits': '192',
      'parquet.crypto.factory.class': 'org.apache.parquet.crypto.keytools.PropertiesDrivenCryptoFactory',
      'parquet.encryption.kms.client.class': 'org.apache.parquet.crypto.keytools.mocks.InMemoryKMS',
    }
    const camel = {
      footerKey: 'kf',
      columnKeys: { kc1: ['ssn', 'email'], kc2: ['salary'] },
      plaintextFooter: true,
      encryptionAlgorithm: 'AES_GCM_CTR_V1' as const,
      doubleWrapping: false,
      cacheLifetimeSeconds: 60,
      internalKeyMaterial: false,
      dataKeyLengthBits: 256 as const,
      kekLengthBits: 192 as const,
    }
    expect(resolveEncryptionConfiguration(fromProperties(properties))).toEqual(resolveEncryptionConfiguration(camel))
    const defaults = resolveEncryptionConfiguration(
      fromProperties({ 'parquet.encryption.footer.key': 'kf', 'parquet.encryption.complete.columns': 'true' }),
    )
    expect(defaults).toMatchObject({
      doubleWrapping: true,
      cacheLifetimeMs: 600_000,
      internalKeyMaterial: true,
      dataKeyBytes: 16,
    })
    expect(defaults).toMatchObject({ algorithm: 'AES_GCM_V1', plaintextFooter: false, completeColumns: true })
  })

  it('read uniform.key as the footer key of every column, honouring plaintext.footer as parquet-java does', () => {
    const config = fromProperties({
      'parquet.encryption.uniform.key': 'ku',
      'parquet.encryption.plaintext.footer': 'true',
    })
    expect(config).toEqual({ footerKey: 'ku', uniformEncryption: true, plaintextFooter: true })
  })

  it.each([
    [{ 'parquet.encryption.uniform.key': 'ku', 'parquet.encryption.column.keys': 'kc1:a' }, /uniform.key cannot/],
    [{ 'parquet.encryption.column.keys': 'kc1:a' }, /footer.key/],
    [{ 'parquet.encryption.footer.key': 'kf', 'parquet.encryption.colum.keys': 'kc1:a' }, /unknown property/],
    [{ 'parquet.encryption.footer.key': 'kf', 'parquet.encryption.plaintext.footer': 'yes' }, /true or false/],
    [{ 'parquet.encryption.footer.key': 'kf', 'parquet.encryption.algorithm': 'AES_CBC' }, /AES_GCM_V1/],
    [{ 'parquet.encryption.footer.key': 'kf', 'parquet.encryption.data.key.length.bits': '64' }, /128, 192 or 256/],
    [{ 'parquet.encryption.footer.key': 'kf', 'parquet.encryption.cache.lifetime.seconds': '-1' }, /whole number/],
  ])('reject %o', (properties, message) => {
    expect(() => fromProperties(properties)).toThrow(UsageError)
    expect(() => fromProperties(properties)).toThrow(message)
  })

  it('read the KMS connection, leaving unset values to the DEFAULT of the references', () => {
    const properties = {
      'parquet.encryption.kms.instance.id': 'vault-1',
      'parquet.encryption.kms.instance.url': 'http://127.0.0.1:8200',
      'parquet.encryption.key.access.token': 's.token',
    }
    expect(kmsConnectionFromProperties(properties)).toEqual({
      kmsInstanceId: 'vault-1',
      kmsInstanceUrl: 'http://127.0.0.1:8200',
      keyAccessToken: 's.token',
    })
    expect(kmsConnectionFromProperties({})).toEqual({})
  })
})
