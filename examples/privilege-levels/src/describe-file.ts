import { stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { CryptoFactory, inspectFile } from '@pme/core'
import type { DemoKms } from './demo-kms.js'

/** What was written, as the file itself tells it (master key ids, never key bytes). */
export interface FileSummary {
  name: string
  bytes: number
  rows: number
  rowGroups: number
  algorithm: string
  footer: 'encrypted' | 'plaintext'
  footerMasterKeyId: string | null
  /** Per column, in file order: the master key of its data key, or null when not encrypted. */
  columns: { name: string; masterKeyId: string | null }[]
}

/** Inspects the file with no token: its footer key is PUBLIC, so anyone can see this much. */
export async function describeFile(path: string, kms: DemoKms): Promise<FileSummary> {
  const decryption = new CryptoFactory(kms.clientFactory).fileDecryptionProperties(kms.connection(undefined))
  const report = await inspectFile(path, decryption)
  return {
    name: basename(path),
    bytes: (await stat(path)).size,
    rows: report.numRows ?? 0,
    rowGroups: report.rowGroups ?? 0,
    algorithm: report.algorithm ?? 'none',
    footer: report.footer,
    footerMasterKeyId: report.footerMasterKeyId,
    columns: (report.columns ?? []).map((column) => ({
      name: column.path,
      masterKeyId: column.encrypted ? column.masterKeyId : null,
    })),
  }
}
