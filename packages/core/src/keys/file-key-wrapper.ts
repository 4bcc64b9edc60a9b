import { randomBytes } from 'node:crypto'
import type { KeySpec } from '../write/encryption-properties.js'
import type { ExpiringCache } from './expiring-cache.js'
import { type KeyMaterial, serializeKeyMaterial } from './key-material.js'
import type { KeyMaterialStore } from './key-material-store.js'
import { externalKeyMetadata, internalKeyMetadata } from './key-metadata.js'
import type { KmsClient, KmsConnectionConfig } from './kms-client.js'
import { encryptKeyLocally, toBase64 } from './local-wrap.js'

const KEK_ID_LENGTH = 16

/** A key encryption key: shared by all data keys of one master key, per token, per cache lifetime. */
export interface KeyEncryptionKey {
  readonly kek: Uint8Array
  readonly kekId: Uint8Array
  readonly wrappedKek: string
}

export interface FileKeyWrapperOptions {
  readonly kms: KmsClient
  readonly kmsConfig: KmsConnectionConfig
  /** KEKs of this access token, by master key id. */
  readonly kekCache: ExpiringCache<KeyEncryptionKey>
  readonly doubleWrapping: boolean
  readonly dataKeyBytes: number
  readonly kekBytes: number
  /** External key material goes here; absent: key material is stored in the file. */
  readonly store?: KeyMaterialStore
}

/**
 * Creates the data keys of one file and wraps them (parquet-java FileKeyWrapper): a fresh DEK per
 * column and for the footer; with double wrapping the DEK is wrapped locally by a KEK that the KMS
 * wraps once per master key, so a file costs the KMS one call per master key, not per column.
 */
export class FileKeyWrapper {
  private columnKeyCounter = 0

  constructor(private readonly options: FileKeyWrapperOptions) {}

  private keyEncryptionKey(masterKeyId: string): Promise<KeyEncryptionKey> {
    return this.options.kekCache.get(masterKeyId, async () => {
      const kek = new Uint8Array(randomBytes(this.options.kekBytes))
      const kekId = new Uint8Array(randomBytes(KEK_ID_LENGTH))
      return { kek, kekId, wrappedKek: await this.options.kms.wrapKey(kek, masterKeyId) }
    })
  }

  /** Wraps a data key with a master key: key material only, stored nowhere (rotation re-wraps with it). */
  async wrap(dek: Uint8Array, masterKeyId: string, isFooterKey: boolean): Promise<KeyMaterial> {
    const { kms, kmsConfig, doubleWrapping } = this.options
    const footer = isFooterKey
      ? { kmsInstanceId: kmsConfig.kmsInstanceId, kmsInstanceUrl: kmsConfig.kmsInstanceUrl }
      : {}
    if (!doubleWrapping) {
      return { isFooterKey, ...footer, masterKeyId, wrappedDek: await kms.wrapKey(dek, masterKeyId), doubleWrapping }
    }
    const { kek, kekId, wrappedKek } = await this.keyEncryptionKey(masterKeyId)
    const wrappedDek = encryptKeyLocally(dek, kek, kekId)
    return { isFooterKey, ...footer, masterKeyId, wrappedDek, doubleWrapping, kekId: toBase64(kekId), wrappedKek }
  }

  /** A new data key for the footer or a column, and the key_metadata that lets a reader unwrap it. */
  async dataKey(masterKeyId: string, isFooterKey: boolean): Promise<KeySpec> {
    const key = new Uint8Array(randomBytes(this.options.dataKeyBytes))
    const material = await this.wrap(key, masterKeyId, isFooterKey)
    const { store } = this.options
    if (!store) return { key, keyMetadata: internalKeyMetadata(material) }
    const reference = isFooterKey ? 'footerKey' : `columnKey${this.columnKeyCounter++}`
    store.set(reference, serializeKeyMaterial(material))
    return { key, keyMetadata: externalKeyMetadata(reference) }
  }
}
