import type { Algorithm } from '../crypto/module-cipher.js'
import { AadPrefixError, MissingKeyError } from '../errors.js'
import { type AlgorithmParameters, algorithmParameters } from '../format/encryption-algorithm.js'
import { readFileTail } from '../format/file-tail.js'
import { type ParquetSource, toByteSource } from '../io/byte-source.js'
import { parseKeyMaterial } from '../keys/key-material.js'
import { KeyMaterialStore } from '../keys/key-material-store.js'
import { isKeyToolsMetadata, parseKeyMetadata } from '../keys/key-metadata.js'
import type { DecryptionProperties } from '../read/decryption-properties.js'
import { type ColumnEncryption, ParquetFile } from '../read/parquet-file.js'
import { type FileCryptoMetaData, FileCryptoMetaDataDef } from '../thrift/parquet-structs.js'
import { decodeStruct } from '../thrift/struct-codec.js'

/** Key metadata as a reader shows it: UTF-8 text when it is, otherwise hex. */
export type KeyMetadataView = { text: string } | { hex: string } | null

export interface ColumnReport {
  path: string
  physicalType: string
  encrypted: boolean
  key: 'footer' | 'column' | null
  keyMetadata: KeyMetadataView
  /** For key-tools (PKMT1) key metadata: the master key that wraps the column's data key. */
  masterKeyId: string | null
}

export interface FileReport {
  file: string
  magic: 'PAR1' | 'PARE'
  encrypted: boolean
  footer: 'plaintext' | 'encrypted'
  algorithm: Algorithm | null
  /** none: no prefix; stored: in the file; must-supply: used but not stored, the reader supplies it. */
  aadPrefix: 'none' | 'stored' | 'must-supply' | null
  aadPrefixValue: string | null
  aadFileUnique: string | null
  footerKeyMetadata: KeyMetadataView
  footerMasterKeyId: string | null
  /** Plaintext-footer files: whether the signature was verified with the supplied footer key. */
  footerSignature: 'verified' | 'not-checked' | null
  /** False when the footer is encrypted and could not be decrypted with what was supplied. */
  footerReadable: boolean
  reason: string | null
  createdBy: string | null
  numRows: number | null
  rowGroups: number | null
  columns: ColumnReport[] | null
}

const PHYSICAL_TYPES = ['BOOLEAN', 'INT32', 'INT64', 'INT96', 'FLOAT', 'DOUBLE', 'BYTE_ARRAY', 'FIXED_LEN_BYTE_ARRAY']
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

function keyMetadataView(bytes: Uint8Array | undefined): KeyMetadataView {
  if (!bytes || bytes.length === 0) return null
  try {
    return { text: strictUtf8.decode(bytes) }
  } catch {
    return { hex: Buffer.from(bytes).toString('hex') }
  }
}

function printable(bytes: Uint8Array): string {
  const view = keyMetadataView(bytes)
  return view && 'text' in view ? view.text : Buffer.from(bytes).toString('hex')
}

function encryptionFields(params: AlgorithmParameters | undefined) {
  return {
    algorithm: params?.algorithm ?? null,
    aadPrefix: !params ? null : params.supplyAadPrefix ? 'must-supply' : params.aadPrefix ? 'stored' : 'none',
    aadPrefixValue: params?.aadPrefix ? printable(params.aadPrefix) : null,
    aadFileUnique: params ? Buffer.from(params.aadFileUnique).toString('hex') : null,
  } as const
}

/** The master key id in PKMT1 key metadata, from the metadata itself or the external material file. */
async function masterKeyIdOf(keyMetadata: Uint8Array | undefined, path: string | undefined): Promise<string | null> {
  if (!keyMetadata || !isKeyToolsMetadata(keyMetadata)) return null
  try {
    const metadata = parseKeyMetadata(keyMetadata)
    if (metadata.internal) return metadata.material.masterKeyId
    if (!path) return null
    const store = await KeyMaterialStore.load(path)
    return parseKeyMaterial(store.get(metadata.keyReference)).masterKeyId
  } catch {
    return null // inspection shows what it can; reading reports the error
  }
}

async function columnReports(file: ParquetFile, path: string | undefined): Promise<ColumnReport[]> {
  const reports: ColumnReport[] = []
  for (const [index, leaf] of file.leaves.entries()) {
    const encryption: ColumnEncryption =
      file.metadata.row_groups.length > 0 ? file.columnEncryption(0, index) : { kind: 'plaintext' }
    const keyMetadata =
      encryption.kind === 'column-key'
        ? encryption.keyMetadata
        : encryption.kind === 'footer-key'
          ? file.encryption?.footerKeyMetadata
          : undefined
    reports.push({
      path: leaf.dotPath,
      physicalType: PHYSICAL_TYPES[leaf.element.type ?? -1] ?? `type ${leaf.element.type}`,
      encrypted: encryption.kind !== 'plaintext',
      key: encryption.kind === 'plaintext' ? null : encryption.kind === 'footer-key' ? 'footer' : 'column',
      keyMetadata: keyMetadataView(keyMetadata),
      masterKeyId: await masterKeyIdOf(keyMetadata, path),
    })
  }
  return reports
}

async function reportOf(file: ParquetFile, path: string | undefined): Promise<FileReport> {
  const encryption = file.encryption
  return {
    file: file.name,
    magic: encryption?.encryptedFooter ? 'PARE' : 'PAR1',
    encrypted: encryption !== undefined,
    footer: encryption?.encryptedFooter ? 'encrypted' : 'plaintext',
    ...encryptionFields(encryption?.params),
    footerKeyMetadata: keyMetadataView(encryption?.footerKeyMetadata),
    footerMasterKeyId: await masterKeyIdOf(encryption?.footerKeyMetadata, path),
    footerSignature: encryption && !encryption.encryptedFooter ? (encryption.signature ?? 'not-checked') : null,
    footerReadable: true,
    reason: null,
    createdBy: file.metadata.created_by ?? null,
    numRows: file.metadata.num_rows,
    rowGroups: file.metadata.row_groups.length,
    columns: await columnReports(file, path),
  }
}

/** What an encrypted footer tells without its key: the FileCryptoMetaData in front of it. */
async function lockedFooterReport(
  name: string,
  footer: Uint8Array,
  reason: string,
  path: string | undefined,
): Promise<FileReport> {
  const crypto = decodeStruct<FileCryptoMetaData>(FileCryptoMetaDataDef, footer).value
  return {
    file: name,
    magic: 'PARE',
    encrypted: true,
    footer: 'encrypted',
    ...encryptionFields(algorithmParameters(crypto.encryption_algorithm)),
    footerKeyMetadata: keyMetadataView(crypto.key_metadata),
    footerMasterKeyId: await masterKeyIdOf(crypto.key_metadata, path),
    footerSignature: null,
    footerReadable: false,
    reason,
    createdBy: null,
    numRows: null,
    rowGroups: null,
    columns: null,
  }
}

/**
 * Describes a file's encryption: algorithm, footer mode, AAD prefix state and, per column, whether
 * and with which key it is encrypted. Without the footer key an encrypted footer shows only its
 * crypto metadata. Key bytes are never part of the report.
 */
export async function inspectFile(
  source: ParquetSource,
  props: DecryptionProperties = {},
  options: { name?: string } = {},
): Promise<FileReport> {
  const bytes = await toByteSource(source, options.name)
  const path = typeof source === 'string' ? source : undefined
  try {
    return await reportOf(await ParquetFile.open(bytes, props), path)
  } catch (error) {
    if (!(error instanceof MissingKeyError || error instanceof AadPrefixError)) throw error
    const tail = await readFileTail(bytes)
    if (!tail.encryptedFooter) throw error
    return lockedFooterReport(bytes.name, tail.footer, error.detail, path)
  }
}
