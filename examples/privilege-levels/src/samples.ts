import { CryptoFactory, type Row } from '@pme/core'
import { type ReaderResults, tryRead } from './access-matrix.js'
import type { DemoKms } from './demo-kms.js'
import { PEOPLE_COLUMNS } from './people.js'
import type { Reader } from './privileges.js'
import { ALL_COLUMNS } from './projections.js'

/** A few rows as one reader read them. */
export interface Sample {
  reader: Reader
  /** What the reader asked for, in words. */
  projection: string
  columns: string[]
  rows: Row[]
}

/** The columns a reader could read one at a time. */
export function readableColumns(results: ReaderResults): string[] {
  return PEOPLE_COLUMNS.filter((column) => results.outcomes.get(column)?.readable === true)
}

/** The rows the reader got when reading all columns at once, if it could. */
export function allColumnsSample(results: ReaderResults): Sample | undefined {
  const outcome = results.outcomes.get(ALL_COLUMNS)
  if (!outcome?.readable) return undefined
  return { reader: results.reader, projection: ALL_COLUMNS, columns: [...PEOPLE_COLUMNS], rows: outcome.rows }
}

/**
 * Reads again, projecting just the columns this reader could read one by one: a reader refused
 * "all columns" still gets those, together, when it asks for them only.
 */
export async function readableColumnsSample(
  path: string,
  kms: DemoKms,
  results: ReaderResults,
  keepRows: number,
): Promise<Sample> {
  const columns = readableColumns(results)
  const decryption = new CryptoFactory(kms.clientFactory).fileDecryptionProperties(kms.connection(results.reader.token))
  const outcome = await tryRead(path, decryption, { name: columns.join(', '), columns }, keepRows)
  if (!outcome.readable) throw outcome.error
  return { reader: results.reader, projection: `only ${columns.join(', ')}`, columns, rows: outcome.rows }
}
