import { MissingKeyError, UsageError } from '../errors.js'
import type { KeyRetriever } from '../read/decryption-properties.js'
import type { ExpiringCache } from './expiring-cache.js'
import { type KeyMaterial, parseKeyMaterial } from './key-material.js'
import { KeyMaterialStore } from './key-material-store.js'
import { isKeyToolsMetadata, parseKeyMetadata } from './key-metadata.js'
import { DEFAULT_KMS_VALUE, type KmsClient, type KmsConnectionConfig } from './kms-client.js'
import { decryptKeyLocally, fromBase64 } from './local-wrap.js'

export interface FileKeyUnwrapperOptions {
  readonly kmsConfig: KmsConnectionConfig
  /** The KMS client for an instance (cached per token by the factory). */
  readonly kmsClient: (config: KmsConnectionConfig) => Promise<KmsClient>
  /** KEKs of this access token, by base64 KEK id. */
  readonly kekCache: ExpiringCache<Uint8Array>
  /** Needed for external key material: the store lives next to the file. */
  readonly parquetFilePath?: string
}

/**
 * Unwraps the data keys of one file (parquet-java FileKeyUnwrapper). The KMS instance id and URL come
 * from the configuration unless it says DEFAULT; then from the footer key material, which is always
 * unwrapped first.
 */
export class FileKeyUnwrapper {
  private store: Promise<KeyMaterialStore> | undefined
  private kmsConfig: KmsConnectionConfig

  constructor(private readonly options: FileKeyUnwrapperOptions) {
    this.kmsConfig = options.kmsConfig
  }

  private async materialOf(keyMetadata: Uint8Array): Promise<KeyMaterial> {
    const metadata = parseKeyMetadata(keyMetadata)
    if (metadata.internal) return metadata.material
    const path = this.options.parquetFilePath
    if (!path) throw new UsageError('the key material is external: the reader needs the Parquet file path')
    this.store ??= KeyMaterialStore.load(path)
    return parseKeyMaterial((await this.store).get(metadata.keyReference))
  }

  private adoptInstance(material: KeyMaterial): void {
    if (!material.isFooterKey) return
    const { kmsInstanceId, kmsInstanceUrl } = this.kmsConfig
    this.kmsConfig = {
      ...this.kmsConfig,
      kmsInstanceId: kmsInstanceId === DEFAULT_KMS_VALUE ? (material.kmsInstanceId ?? kmsInstanceId) : kmsInstanceId,
      kmsInstanceUrl:
        kmsInstanceUrl === DEFAULT_KMS_VALUE ? (material.kmsInstanceUrl ?? kmsInstanceUrl) : kmsInstanceUrl,
    }
  }

  /** The KMS connection in effect: the configuration's, completed by the footer key material. */
  get connection(): KmsConnectionConfig {
    return this.kmsConfig
  }

  async unwrap(keyMetadata: Uint8Array): Promise<Uint8Array> {
    return this.unwrapMaterial(await this.materialOf(keyMetadata))
  }

  async unwrapMaterial(material: KeyMaterial): Promise<Uint8Array> {
    this.adoptInstance(material)
    const kms = await this.options.kmsClient(this.kmsConfig)
    if (!material.doubleWrapping) return kms.unwrapKey(material.wrappedDek, material.masterKeyId)
    const { kekId, wrappedKek } = material
    if (!kekId || !wrappedKek) throw new MissingKeyError('double-wrapped key material has no KEK')
    const kek = await this.options.kekCache.get(kekId, () => kms.unwrapKey(wrappedKek, material.masterKeyId))
    return decryptKeyLocally(material.wrappedDek, kek, fromBase64(kekId, 'KEK id'))
  }

  /** A retriever for PKMT1 key metadata; other key metadata is left to the next retriever. */
  retriever(): KeyRetriever {
    return (keyMetadata) => (isKeyToolsMetadata(keyMetadata) ? this.unwrap(keyMetadata) : undefined)
  }
}
