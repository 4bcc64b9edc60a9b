import { UsageError } from '../errors.js'
import type { DecryptionProperties } from '../read/decryption-properties.js'
import type { EncryptionProperties, KeySpec } from '../write/encryption-properties.js'
import { CachedKmsClient } from './cached-kms-client.js'
import {
  DEFAULT_CACHE_LIFETIME_SECONDS,
  type DecryptionConfiguration,
  type EncryptionConfiguration,
  resolveEncryptionConfiguration,
} from './encryption-configuration.js'
import { type Clock, TokenCache } from './expiring-cache.js'
import { FileKeyUnwrapper } from './file-key-unwrapper.js'
import { FileKeyWrapper, type KeyEncryptionKey } from './file-key-wrapper.js'
import { KeyMaterialStore } from './key-material-store.js'
import { rotateFileKeys } from './key-rotation.js'
import { type KmsClient, type KmsClientFactory, type KmsConnectionConfig, kmsConnectionConfig } from './kms-client.js'

/** parquet-java KeyToolkit.CACHE_CLEAN_PERIOD_FOR_KEY_ROTATION, Arrow kCacheCleanPeriodForKeyRotation. */
const KEK_WRITE_CACHE_CLEAN_PERIOD_MS = 60 * 60 * 1000

/**
 * Turns KMS configuration into file encryption and decryption properties (pyarrow's and Arrow's
 * CryptoFactory, parquet-java's PropertiesDrivenCryptoFactory). Caches live here, per access token:
 * KMS clients (by instance id), KEKs for writing (by master key id), KEKs for reading (by KEK id).
 * A KMS client the cache drops is closed (`KmsClient.close`); `close()` closes them all when done.
 */
export class CryptoFactory {
  private readonly kmsClients: TokenCache<CachedKmsClient>
  private readonly writeKeks: TokenCache<KeyEncryptionKey>
  private readonly readKeks: TokenCache<Uint8Array>
  private readonly closing = new Set<Promise<void>>()
  private lastKekWriteCacheClean = Number.NEGATIVE_INFINITY

  constructor(
    private readonly kmsClientFactory: KmsClientFactory,
    private readonly clock: Clock = Date.now,
  ) {
    this.kmsClients = new TokenCache(clock, (client) => this.retire(client))
    this.writeKeks = new TokenCache(clock)
    this.readKeks = new TokenCache(clock)
  }

  /** The KMS client of an instance, created once per token and lifetime. */
  kmsClient(config: KmsConnectionConfig, lifetimeMs: number): Promise<KmsClient> {
    return this.kmsClients
      .forToken(config.keyAccessToken, lifetimeMs)
      .get(config.kmsInstanceId, async () => new CachedKmsClient(await this.kmsClientFactory(config)))
  }

  /** Closes an evicted client once its calls are done; a failed load or close leaves nothing to release. */
  private retire(client: Promise<CachedKmsClient>): void {
    const closed = client.then((loaded) => loaded.close()).catch(() => {})
    this.closing.add(closed)
    void closed.then(() => this.closing.delete(closed))
  }

  /**
   * Drops every cached key and closes every KMS client (after its calls in flight), so a process
   * that is done with the factory can exit. The factory stays usable: it makes new clients.
   */
  async close(): Promise<void> {
    this.removeCacheEntriesForAllTokens()
    while (this.closing.size > 0) await Promise.all(this.closing)
  }

  /**
   * Creates the data keys of one file, wraps them with the KMS and returns the properties to write it
   * with. With external key material, `parquetFilePath` is required and the material file is written
   * (atomically) before this returns.
   */
  async fileEncryptionProperties(
    kmsConfig: Partial<KmsConnectionConfig>,
    config: EncryptionConfiguration,
    parquetFilePath?: string,
  ): Promise<EncryptionProperties> {
    const resolved = resolveEncryptionConfiguration(config)
    const conn = kmsConnectionConfig(kmsConfig)
    if (!resolved.internalKeyMaterial && !parquetFilePath) {
      throw new UsageError('external key material needs the Parquet file path')
    }
    const store = resolved.internalKeyMaterial ? undefined : KeyMaterialStore.empty(parquetFilePath as string)
    const wrapper = new FileKeyWrapper({
      kms: await this.kmsClient(conn, resolved.cacheLifetimeMs),
      kmsConfig: conn,
      kekCache: this.writeKeks.forToken(conn.keyAccessToken, resolved.cacheLifetimeMs),
      doubleWrapping: resolved.doubleWrapping,
      dataKeyBytes: resolved.dataKeyBytes,
      kekBytes: resolved.kekBytes,
      ...(store ? { store } : {}),
    })
    const footerKey = await wrapper.dataKey(resolved.footerKey, true)
    const columnKeys: Record<string, KeySpec> = {}
    for (const [masterKeyId, columns] of resolved.columnKeys) {
      for (const column of columns) columnKeys[column] = await wrapper.dataKey(masterKeyId, false)
    }
    await store?.save()
    return {
      footerKey,
      columnKeys,
      completeColumns: resolved.completeColumns,
      plaintextFooter: resolved.plaintextFooter,
      algorithm: resolved.algorithm,
      ...(resolved.aadPrefix !== undefined ? { aadPrefix: resolved.aadPrefix } : {}),
      storeAadPrefix: resolved.storeAadPrefix,
    }
  }

  /**
   * A key wrapper over this factory's KMS and KEK write cache, as new files get: key migration wraps
   * the data keys of files written elsewhere with it (its `wrap`; it creates no data key itself).
   */
  async fileKeyWrapper(
    kmsConfig: Partial<KmsConnectionConfig>,
    options: { doubleWrapping?: boolean; cacheLifetimeSeconds?: number } = {},
  ): Promise<FileKeyWrapper> {
    const conn = kmsConnectionConfig(kmsConfig)
    const lifetimeMs = (options.cacheLifetimeSeconds ?? DEFAULT_CACHE_LIFETIME_SECONDS) * 1000
    return new FileKeyWrapper({
      kms: await this.kmsClient(conn, lifetimeMs),
      kmsConfig: conn,
      kekCache: this.writeKeks.forToken(conn.keyAccessToken, lifetimeMs),
      doubleWrapping: options.doubleWrapping ?? true,
      dataKeyBytes: 16,
      kekBytes: 16,
    })
  }

  /** A key unwrapper for one file; its retriever answers PKMT1 key metadata only. */
  fileKeyUnwrapper(
    kmsConfig: Partial<KmsConnectionConfig>,
    config: DecryptionConfiguration = {},
    parquetFilePath?: string,
  ): FileKeyUnwrapper {
    const conn = kmsConnectionConfig(kmsConfig)
    const lifetimeMs = (config.cacheLifetimeSeconds ?? DEFAULT_CACHE_LIFETIME_SECONDS) * 1000
    return new FileKeyUnwrapper({
      kmsConfig: conn,
      kmsClient: (instance) => this.kmsClient(instance, lifetimeMs),
      kekCache: this.readKeks.forToken(conn.keyAccessToken, lifetimeMs),
      ...(parquetFilePath ? { parquetFilePath } : {}),
    })
  }

  /** Decryption properties whose key retriever unwraps PKMT1 key metadata with the KMS. */
  fileDecryptionProperties(
    kmsConfig: Partial<KmsConnectionConfig>,
    config: DecryptionConfiguration = {},
    parquetFilePath?: string,
  ): DecryptionProperties {
    return { keyRetriever: this.fileKeyUnwrapper(kmsConfig, config, parquetFilePath).retriever() }
  }

  /**
   * Re-wraps a file's data keys with the current versions of their master keys: its external key
   * material file (parquet-java's algorithm), or, for key material stored in the file, its footer.
   */
  async rotateMasterKeys(
    kmsConfig: Partial<KmsConnectionConfig>,
    parquetFilePath: string,
    options: { doubleWrapping?: boolean; cacheLifetimeSeconds?: number } = {},
  ): Promise<void> {
    const cacheLifetimeSeconds = options.cacheLifetimeSeconds ?? DEFAULT_CACHE_LIFETIME_SECONDS
    const cacheLifetimeMs = cacheLifetimeSeconds * 1000
    // The master keys are changing: cached KEKs were wrapped with the old versions and must not wrap the
    // keys of files written from now on. Cleared at most once per hour, as parquet-java and Arrow do.
    const now = this.clock()
    if (now - this.lastKekWriteCacheClean > KEK_WRITE_CACHE_CLEAN_PERIOD_MS) {
      this.writeKeks.clear()
      this.lastKekWriteCacheClean = now
    }
    await rotateFileKeys(parquetFilePath, {
      unwrapper: this.fileKeyUnwrapper(kmsConfig, { cacheLifetimeSeconds }, parquetFilePath),
      kmsClient: (config) => this.kmsClient(config, cacheLifetimeMs),
      doubleWrapping: options.doubleWrapping ?? true,
      cacheLifetimeMs,
    })
  }

  removeCacheEntriesForToken(token: string): void {
    this.kmsClients.removeToken(token)
    this.writeKeks.removeToken(token)
    this.readKeks.removeToken(token)
  }

  removeCacheEntriesForAllTokens(): void {
    this.kmsClients.clear()
    this.writeKeks.clear()
    this.readKeks.clear()
  }
}
