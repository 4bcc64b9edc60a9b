import { access, copyFile, open, rename, rm } from 'node:fs/promises'
import { NotEncryptedError, UsageError } from '../errors.js'
import { readFileTail } from '../format/file-tail.js'
import { refreshChecksumSidecar } from '../format/hadoop-checksum.js'
import { toByteSource } from '../io/byte-source.js'
import { releaseTempPath, removeStaleTempFiles, tempPathFor } from '../io/temp-files.js'
import { ParquetFile } from '../read/parquet-file.js'
import type { ColumnChunk, FileMetaData } from '../thrift/parquet-structs.js'
import { FileEncryptor } from '../write/file-encryptor.js'
import { ExpiringCache } from './expiring-cache.js'
import type { FileKeyUnwrapper } from './file-key-unwrapper.js'
import { FileKeyWrapper, type KeyEncryptionKey } from './file-key-wrapper.js'
import { type KeyMaterial, parseKeyMaterial, serializeKeyMaterial } from './key-material.js'
import { KeyMaterialStore, keyMaterialPath } from './key-material-store.js'
import { internalKeyMetadata, isKeyToolsMetadata, parseKeyMetadata } from './key-metadata.js'
import type { KmsClient, KmsConnectionConfig } from './kms-client.js'

export interface RotationContext {
  readonly unwrapper: FileKeyUnwrapper
  /** The KMS client for the instance the footer key material names. */
  readonly kmsClient: (config: KmsConnectionConfig) => Promise<KmsClient>
  readonly doubleWrapping: boolean
  readonly cacheLifetimeMs: number
}

/** Re-wraps data keys with the current master key versions; the keys themselves never change. */
class Rewrapper {
  private wrapper: FileKeyWrapper | undefined
  // A KEK cache of its own: a cached KEK may be wrapped with a master key version being rotated away.
  private readonly keks: ExpiringCache<KeyEncryptionKey>

  constructor(private readonly context: RotationContext) {
    this.keks = new ExpiringCache(context.cacheLifetimeMs)
  }

  async rewrap(material: KeyMaterial, dek: Uint8Array): Promise<KeyMaterial> {
    if (!this.wrapper) {
      const kmsConfig = this.context.unwrapper.connection
      this.wrapper = new FileKeyWrapper({
        kms: await this.context.kmsClient(kmsConfig),
        kmsConfig,
        kekCache: this.keks,
        doubleWrapping: this.context.doubleWrapping,
        dataKeyBytes: dek.length,
        kekBytes: 16,
      })
    }
    return this.wrapper.wrap(dek, material.masterKeyId, material.isFooterKey)
  }
}

/**
 * parquet-java KeyToolkit.rotateMasterKeys for one file's external key material: unwrap every data
 * key (footer first: it names the KMS instance), re-wrap it with the current master key version under
 * the same reference, and replace the store atomically. The Parquet file is not touched.
 */
async function rotateExternalKeyMaterial(parquetFilePath: string, context: RotationContext): Promise<void> {
  const store = await KeyMaterialStore.load(parquetFilePath)
  const rotated = KeyMaterialStore.empty(parquetFilePath)
  const rewrapper = new Rewrapper(context)
  const references = store.references().sort((a, b) => Number(b === 'footerKey') - Number(a === 'footerKey'))
  for (const reference of references) {
    const material = parseKeyMaterial(store.get(reference))
    const dek = await context.unwrapper.unwrapMaterial(material)
    rotated.set(reference, serializeKeyMaterial(await rewrapper.rewrap(material, dek)))
  }
  await rotated.save()
}

/** Replaces the key metadata of every column-key column chunk through `replace`. */
function withColumnKeyMetadata(metadata: FileMetaData, replace: (old: Uint8Array) => Uint8Array): FileMetaData {
  const rekey = (chunk: ColumnChunk): ColumnChunk => {
    const columnKey = chunk.crypto_metadata?.ENCRYPTION_WITH_COLUMN_KEY
    if (!columnKey?.key_metadata) return chunk
    const key_metadata = replace(columnKey.key_metadata)
    return { ...chunk, crypto_metadata: { ENCRYPTION_WITH_COLUMN_KEY: { ...columnKey, key_metadata } } }
  }
  return {
    ...metadata,
    row_groups: metadata.row_groups.map((group) => ({ ...group, columns: group.columns.map(rekey) })),
  }
}

/**
 * Writes `footer` in place of the file's footer region, through a temp copy and a rename, then
 * rewrites the file's Hadoop `.crc` sidecar when it has one.
 */
async function replaceFooter(path: string, footerOffset: number, footer: Uint8Array): Promise<void> {
  await removeStaleTempFiles(path)
  const temp = tempPathFor(path)
  try {
    await copyFile(path, temp)
    const handle = await open(temp, 'r+')
    try {
      await handle.truncate(footerOffset)
      await handle.write(footer, 0, footer.length, footerOffset)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temp, path)
  } catch (error) {
    await rm(temp, { force: true })
    throw error
  } finally {
    releaseTempPath(temp)
  }
  await refreshChecksumSidecar(path)
}

/**
 * Beyond the references: rotation of key material stored in the file. Only the footer changes (the
 * key metadata in it, re-encrypted or re-signed with the unchanged footer key); no page is
 * re-encrypted, and the file is replaced atomically.
 */
async function rotateInternalKeyMaterial(parquetFilePath: string, context: RotationContext): Promise<void> {
  const unwrapper = context.unwrapper
  const file = await ParquetFile.open(parquetFilePath, { keyRetriever: unwrapper.retriever() })
  const encryption = file.encryption
  const decryptor = file.decryptor
  if (!encryption || !decryptor) throw new NotEncryptedError('the file is not encrypted', { file: parquetFilePath })
  const footerKeyMetadata = encryption.footerKeyMetadata
  if (!footerKeyMetadata || !isKeyToolsMetadata(footerKeyMetadata)) {
    throw new UsageError('the file was not written with the key tools: its keys cannot be rotated', {
      file: parquetFilePath,
    })
  }
  const rewrapper = new Rewrapper(context)
  const replaced = new Map<string, Uint8Array>()
  const rotate = async (old: Uint8Array): Promise<void> => {
    const text = new TextDecoder().decode(old)
    if (replaced.has(text)) return
    const metadata = parseKeyMetadata(old)
    if (!metadata.internal) throw new UsageError('key material is external: rotate its key material file instead')
    const dek = await unwrapper.unwrapMaterial(metadata.material)
    replaced.set(text, internalKeyMetadata(await rewrapper.rewrap(metadata.material, dek)))
  }
  await rotate(footerKeyMetadata)
  for (const group of file.metadata.row_groups) {
    for (const chunk of group.columns) {
      const old = chunk.crypto_metadata?.ENCRYPTION_WITH_COLUMN_KEY?.key_metadata
      if (old) await rotate(old)
    }
  }
  const lookup = (old: Uint8Array) => replaced.get(new TextDecoder().decode(old)) as Uint8Array
  await rewriteFooterKeyMetadata(parquetFilePath, file, lookup)
}

/**
 * Writes the footer of an open encrypted file again with every key metadata replaced through
 * `replace` (footer key and column keys), encrypted or signed with the unchanged footer key, in
 * place of the old footer: no page is touched, and the file is replaced atomically.
 */
export async function rewriteFooterKeyMetadata(
  parquetFilePath: string,
  file: ParquetFile,
  replace: (old: Uint8Array) => Uint8Array,
): Promise<void> {
  const encryption = file.encryption
  const decryptor = file.decryptor
  if (!encryption?.footerKeyMetadata || !decryptor) {
    throw new NotEncryptedError('the file is not encrypted', { file: parquetFilePath })
  }
  const { footerKeyMetadata } = encryption
  const footerKey = { key: await decryptor.footerKey(footerKeyMetadata), keyMetadata: replace(footerKeyMetadata) }
  const { params } = encryption
  const encryptor = new FileEncryptor(
    {
      footerKey,
      plaintextFooter: !encryption.encryptedFooter,
      algorithm: params.algorithm,
      ...(decryptor.aadPrefix ? { aadPrefix: decryptor.aadPrefix, storeAadPrefix: !params.supplyAadPrefix } : {}),
    },
    params.aadFileUnique,
  )
  const tail = await readFileTail(await toByteSource(parquetFilePath))
  const footer = encryptor.footer(withColumnKeyMetadata(file.metadata, replace))
  await replaceFooter(parquetFilePath, tail.footerOffset, footer)
}

export async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  )
}

/** Rotates a file's master keys: its external key material file when it has one, else its footer. */
export async function rotateFileKeys(parquetFilePath: string, context: RotationContext): Promise<void> {
  if (await exists(keyMaterialPath(parquetFilePath))) await rotateExternalKeyMaterial(parquetFilePath, context)
  else await rotateInternalKeyMaterial(parquetFilePath, context)
}
