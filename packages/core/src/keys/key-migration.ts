import {
  type ErrorLocation,
  KmsUnavailableError,
  MissingKeyError,
  NotEncryptedError,
  PmeError,
  UnsupportedError,
  UsageError,
} from '../errors.js'
import { ParquetFile } from '../read/parquet-file.js'
import type { CryptoFactory } from './crypto-factory.js'
import type { FileKeyUnwrapper } from './file-key-unwrapper.js'
import type { FileKeyWrapper } from './file-key-wrapper.js'
import { type KeyMaterial, parseKeyMaterial, serializeKeyMaterial } from './key-material.js'
import { KeyMaterialStore, keyMaterialPath } from './key-material-store.js'
import { internalKeyMetadata, isKeyToolsMetadata, parseKeyMetadata } from './key-metadata.js'
import { exists, rewriteFooterKeyMetadata } from './key-rotation.js'
import { type KmsConnectionConfig, kmsConnectionConfig } from './kms-client.js'

export interface KeyMigrationOptions {
  /** The backend the files' data keys are wrapped with now: it unwraps them. */
  readonly source: CryptoFactory
  readonly sourceConnection?: Partial<KmsConnectionConfig>
  /** The backend that wraps them from now on (new KEKs are created there). */
  readonly target: CryptoFactory
  readonly targetConnection?: Partial<KmsConnectionConfig>
  /** Source master key id -> target master key id; ids not in the map keep their names. */
  readonly masterKeyMap?: Readonly<Record<string, string>>
  /** Double wrapping in the target (default true), whatever the files used before. */
  readonly doubleWrapping?: boolean
  readonly cacheLifetimeSeconds?: number
  /** Unwrap every data key (checking the source can), but wrap nothing and write nothing. */
  readonly dryRun?: boolean
  /** The AAD prefix of files that do not store theirs (key material in the file: the footer is read). */
  readonly aadPrefix?: string
}

/**
 * `migrated`: rewritten now; `already-migrated`: every data key unwrapped with the target already,
 * nothing written; `would-migrate`: a dry run found keys to move.
 */
export type MigrationOutcome = 'migrated' | 'already-migrated' | 'would-migrate'

export interface FileMigration {
  readonly keyMaterial: 'internal' | 'external'
  readonly outcome: MigrationOutcome
  /** Distinct data keys of the file (footer key and column keys). */
  readonly keys: number
  /** Data keys moved to the target now (or, in a dry run, that would be). */
  readonly moved: number
}

interface UnwrappedKey {
  readonly dek: Uint8Array
  /** True when the target unwrapped it: its key material is the target's already. */
  readonly onTarget: boolean
}

/**
 * The data keys of one file, each unwrapped with the target when its key material may be the
 * target's (named as the target names master keys, at the target's instance) and the target can,
 * else with the source; and re-wrapped for the target under the mapped master key id.
 */
class FileKeyMover {
  private readonly sourceKeys: FileKeyUnwrapper
  private readonly targetKeys: FileKeyUnwrapper
  private readonly targetConnection: KmsConnectionConfig
  private wrapper: Promise<FileKeyWrapper> | undefined

  constructor(
    private readonly options: KeyMigrationOptions,
    parquetFilePath: string,
  ) {
    const config = options.cacheLifetimeSeconds ? { cacheLifetimeSeconds: options.cacheLifetimeSeconds } : {}
    this.sourceKeys = options.source.fileKeyUnwrapper(options.sourceConnection ?? {}, config, parquetFilePath)
    this.targetKeys = options.target.fileKeyUnwrapper(options.targetConnection ?? {}, config, parquetFilePath)
    this.targetConnection = kmsConnectionConfig(options.targetConnection)
  }

  private targetKeyId(masterKeyId: string): string {
    const map = this.options.masterKeyMap ?? {}
    return Object.hasOwn(map, masterKeyId) ? (map[masterKeyId] as string) : masterKeyId
  }

  /**
   * Whether the material can be the target's. A source id the map renames is not (unless the map
   * also yields it); footer material names its KMS instance, which must be the target's. The KMS
   * has the last word: a material that passes here is still tried with the target.
   */
  private mayBeOnTarget(material: KeyMaterial): boolean {
    const map = this.options.masterKeyMap ?? {}
    const id = material.masterKeyId
    if (this.targetKeyId(id) !== id && !Object.values(map).includes(id)) return false
    if (!material.isFooterKey) return true
    const { kmsInstanceId, kmsInstanceUrl } = this.targetConnection
    return material.kmsInstanceId === kmsInstanceId && material.kmsInstanceUrl === kmsInstanceUrl
  }

  async unwrap(material: KeyMaterial): Promise<UnwrappedKey> {
    let targetError: unknown
    if (this.mayBeOnTarget(material)) {
      try {
        return { dek: await this.targetKeys.unwrapMaterial(material), onTarget: true }
      } catch (error) {
        // Any KMS or key error means "not the target's (yet)": the source decides. Nothing is written
        // unless the source unwraps every key and the target wraps every key.
        if (!PmeError.is(error) || error instanceof UsageError) throw error
        targetError = error
      }
    }
    try {
      return { dek: await this.sourceKeys.unwrapMaterial(material), onTarget: false }
    } catch (error) {
      // A key already moved whose target did not answer: say so, not that the source lacks it.
      if (targetError instanceof KmsUnavailableError) throw targetError
      if (!PmeError.is(error) || !PmeError.is(targetError)) throw error
      // Neither backend unwraps it, and the key may be either one's: the message gives both answers.
      const Ctor = error.constructor as new (detail: string, location: ErrorLocation) => PmeError
      throw new Ctor(`${error.detail}; the target: ${targetError.detail}`, error.location)
    }
  }

  async rewrap(material: KeyMaterial, dek: Uint8Array): Promise<KeyMaterial> {
    const { target, targetConnection, doubleWrapping, cacheLifetimeSeconds } = this.options
    this.wrapper ??= target.fileKeyWrapper(targetConnection ?? {}, {
      doubleWrapping: doubleWrapping ?? true,
      ...(cacheLifetimeSeconds ? { cacheLifetimeSeconds } : {}),
    })
    return (await this.wrapper).wrap(dek, this.targetKeyId(material.masterKeyId), material.isFooterKey)
  }
}

function outcome(
  keyMaterial: FileMigration['keyMaterial'],
  keys: number,
  moved: number,
  dryRun: boolean | undefined,
): FileMigration {
  const done = moved === 0 ? 'already-migrated' : dryRun ? 'would-migrate' : 'migrated'
  return { keyMaterial, outcome: done, keys, moved }
}

/**
 * External key material: the Parquet file holds references only and is not touched; the material
 * file is replaced atomically, once, after every key was unwrapped and re-wrapped. Readers see the
 * old material (the source reads it) or the new one (the target reads it), never a mix.
 */
async function migrateExternalKeyMaterial(
  parquetFilePath: string,
  mover: FileKeyMover,
  dryRun: boolean | undefined,
): Promise<FileMigration> {
  const store = await KeyMaterialStore.load(parquetFilePath)
  // The footer first: it names the KMS instance the unwrappers adopt.
  const references = store.references().sort((a, b) => Number(b === 'footerKey') - Number(a === 'footerKey'))
  let moved = 0
  for (const reference of references) {
    const material = parseKeyMaterial(store.get(reference))
    const { dek, onTarget } = await mover.unwrap(material)
    if (onTarget) continue
    moved++
    if (!dryRun) store.set(reference, serializeKeyMaterial(await mover.rewrap(material, dek)))
  }
  if (moved > 0 && !dryRun) await store.save()
  return outcome('external', references.length, moved, dryRun)
}

/**
 * Key material in the file: its footer is written again (encrypted, or signed, with the unchanged
 * footer key) in place of the old one, through a copy and a rename. Pages are not touched.
 */
async function migrateInternalKeyMaterial(
  parquetFilePath: string,
  mover: FileKeyMover,
  { dryRun, aadPrefix }: KeyMigrationOptions,
): Promise<FileMigration> {
  const keys = new Map<string, Promise<{ dek: Uint8Array; replacement: Uint8Array; moved: boolean }>>()
  const move = (keyMetadata: Uint8Array) => {
    const text = new TextDecoder().decode(keyMetadata)
    let found = keys.get(text)
    if (!found) {
      found = (async () => {
        const metadata = parseKeyMetadata(keyMetadata)
        if (!metadata.internal) {
          throw new MissingKeyError(
            `the file's key material is external, and ${keyMaterialPath(parquetFilePath)} does not exist`,
          )
        }
        const { dek, onTarget } = await mover.unwrap(metadata.material)
        if (onTarget || dryRun) return { dek, replacement: keyMetadata, moved: !onTarget }
        return { dek, replacement: internalKeyMetadata(await mover.rewrap(metadata.material, dek)), moved: true }
      })()
      keys.set(text, found)
    }
    return found
  }
  const file = await ParquetFile.open(parquetFilePath, {
    ...(aadPrefix !== undefined ? { aadPrefix } : {}),
    keyRetriever: (keyMetadata) =>
      isKeyToolsMetadata(keyMetadata) ? move(keyMetadata).then((key) => key.dek) : undefined,
  })
  // Errors of one file, not usage errors: the other files of a folder are still moved.
  if (!file.encryption) throw new NotEncryptedError('the file is not encrypted: it has no keys to migrate')
  const footerKeyMetadata = file.encryption.footerKeyMetadata
  if (!footerKeyMetadata || !isKeyToolsMetadata(footerKeyMetadata)) {
    throw new UnsupportedError('the file was not written with the key tools (no PKMT1 key material) to migrate')
  }
  await move(footerKeyMetadata)
  for (const group of file.metadata.row_groups) {
    for (const chunk of group.columns) {
      const columnKey = chunk.crypto_metadata?.ENCRYPTION_WITH_COLUMN_KEY
      if (!columnKey?.key_metadata) continue
      await move(columnKey.key_metadata).catch((error: unknown) => {
        throw PmeError.is(error) ? error.at({ column: columnKey.path_in_schema.join('.') }) : error
      })
    }
  }
  const results = new Map<string, Awaited<ReturnType<typeof move>>>()
  for (const [text, key] of keys) results.set(text, await key)
  const moved = [...results.values()].filter((key) => key.moved).length
  if (moved > 0 && !dryRun) {
    const replace = (old: Uint8Array) => results.get(new TextDecoder().decode(old))?.replacement as Uint8Array
    await rewriteFooterKeyMetadata(parquetFilePath, file, replace)
  }
  return outcome('internal', results.size, moved, dryRun)
}

/**
 * Moves one file from one KMS backend to another without re-encrypting a page: every data key is
 * unwrapped with the source and wrapped with the target (KEKs created there, master key ids renamed
 * through the map). The data keys do not change. External key material: the `_KEY_MATERIAL_FOR_`
 * file is rewritten; key material in the file: the footer is. Either way the change is one atomic
 * rename, so a migration killed at any point leaves each file readable with the source or with the
 * target. Idempotent: keys the target already unwraps are left as they are, and a file whose keys
 * all are is not written at all (`already-migrated`).
 */
export async function migrateKeyMaterial(
  parquetFilePath: string,
  options: KeyMigrationOptions,
): Promise<FileMigration> {
  const mover = new FileKeyMover(options, parquetFilePath)
  try {
    return (await exists(keyMaterialPath(parquetFilePath)))
      ? await migrateExternalKeyMaterial(parquetFilePath, mover, options.dryRun)
      : await migrateInternalKeyMaterial(parquetFilePath, mover, options)
  } catch (error) {
    throw PmeError.is(error) ? error.at({ file: parquetFilePath }) : error
  }
}
