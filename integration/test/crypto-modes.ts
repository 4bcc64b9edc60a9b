/** The encryption modes the interop suites cover, and deterministic test keys. */
import { createHash } from 'node:crypto'

export const ALGORITHMS = ['AES_GCM_V1', 'AES_GCM_CTR_V1'] as const
export type AlgorithmName = (typeof ALGORITHMS)[number]

export const FOOTERS = ['encrypted', 'plaintext'] as const
export type FooterMode = (typeof FOOTERS)[number]

/** none: no AAD prefix; stored: a prefix kept in the file; supplied: a prefix the reader must supply. */
export const AAD_MODES = ['none', 'stored', 'supplied'] as const
export type AadMode = (typeof AAD_MODES)[number]

export const KEY_LENGTHS = [16, 24, 32] as const

export interface CryptoMode {
  /** e.g. "AES_GCM_CTR_V1/plaintext-footer/aad-supplied" */
  id: string
  algorithm: AlgorithmName
  footer: FooterMode
  aad: AadMode
}

export function cryptoModes(aadModes: readonly AadMode[] = AAD_MODES): CryptoMode[] {
  return ALGORITHMS.flatMap((algorithm) =>
    FOOTERS.flatMap((footer) =>
      aadModes.map((aad) => ({ id: `${algorithm}/${footer}-footer/aad-${aad}`, algorithm, footer, aad })),
    ),
  )
}

/** A key of `length` bytes derived from a label: reproducible, distinct per label, never all zero. */
export function testKey(length: number, label: string): Uint8Array {
  const bytes = Buffer.concat([
    createHash('sha256').update(`pme-interop key ${label}`).digest(),
    createHash('sha256').update(`pme-interop key ${label} (2)`).digest(),
  ])
  return new Uint8Array(bytes.subarray(0, length))
}

/**
 * Known pyarrow bug (pme-reference §9.1, no upstream issue found): with plaintext_footer=True and
 * AES_GCM_CTR_V1 the C++ writer stores AES_GCM_V1 in FileMetaData.encryption_algorithm but encrypts
 * the pages with CTR, so no reader (pyarrow included) can read the file.
 */
export const pyarrowWritesWrongAlgorithmTag = (mode: Pick<CryptoMode, 'algorithm' | 'footer'>): boolean =>
  mode.algorithm === 'AES_GCM_CTR_V1' && mode.footer === 'plaintext'
