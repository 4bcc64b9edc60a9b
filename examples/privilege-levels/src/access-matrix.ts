import { CryptoFactory, type DecryptionProperties, PmeError, type Row, readParquet } from '@pme/core'
import type { DemoKms } from './demo-kms.js'
import type { Reader } from './privileges.js'

/** A set of columns read together; `columns` undefined: all of them. */
export interface Projection {
  name: string
  columns: string[] | undefined
}

/** What one read gave: the first rows, or the typed error that refused it. */
export type ReadOutcome = { readable: true; rows: Row[] } | { readable: false; error: PmeError }

export interface ReaderResults {
  reader: Reader
  /** By projection name, in the order of the projections. */
  outcomes: Map<string, ReadOutcome>
}

/** Reads the file with `projection`; a PmeError is a refusal, anything else a bug that propagates. */
export async function tryRead(
  path: string,
  decryption: DecryptionProperties,
  projection: Projection,
  keepRows: number,
): Promise<ReadOutcome> {
  try {
    const rows = await readParquet(path, {
      ...decryption,
      ...(projection.columns ? { columns: projection.columns } : {}),
    })
    return { readable: true, rows: rows.slice(0, keepRows) }
  } catch (error) {
    if (PmeError.is(error)) return { readable: false, error }
    throw error
  }
}

/**
 * Reads the file once per reader and projection. Each reader gets its own CryptoFactory, as a
 * separate process would: no reader can be served keys that another reader's token unwrapped.
 */
export async function readAccessMatrix(
  path: string,
  kms: DemoKms,
  readers: readonly Reader[],
  projections: readonly Projection[],
  keepRows: number,
): Promise<ReaderResults[]> {
  const results: ReaderResults[] = []
  for (const reader of readers) {
    const cryptoFactory = new CryptoFactory(kms.clientFactory)
    const decryption = cryptoFactory.fileDecryptionProperties(kms.connection(reader.token))
    const outcomes = new Map<string, ReadOutcome>()
    for (const projection of projections) {
      outcomes.set(projection.name, await tryRead(path, decryption, projection, keepRows))
    }
    results.push({ reader, outcomes })
  }
  return results
}
