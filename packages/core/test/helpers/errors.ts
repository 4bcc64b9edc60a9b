import { expect } from 'vitest'
import type { ErrorLocation, PmeError, PmeErrorCode } from '../../src/errors.js'
import type { ParquetSource } from '../../src/io/byte-source.js'
import { type ReadOptions, readParquetRowGroups } from '../../src/read/read-parquet.js'
import { ALL_KEYS } from './pme-files.js'

type PmeErrorClass = abstract new (...args: never[]) => PmeError

/** Reads row group by row group: how many groups came back before the read failed, and the error. */
export async function readUntilError(
  source: ParquetSource,
  options: ReadOptions,
): Promise<{ rowGroups: number; rows: number; error: unknown }> {
  let rowGroups = 0
  let rows = 0
  try {
    for await (const group of readParquetRowGroups(source, options)) {
      rowGroups++
      rows += group.length
    }
  } catch (error) {
    return { rowGroups, rows, error }
  }
  return { rowGroups, rows, error: undefined }
}

/** The read fails before any row comes back. */
export async function expectReadFails(source: ParquetSource, options: ReadOptions): Promise<PmeError> {
  const { rows, error } = await readUntilError(source, options)
  expect(error, 'the read should have failed').toBeDefined()
  expect(rows).toBe(0)
  return error as PmeError
}

/**
 * The error is of `Class` with `code`, its location holds `where`, and its message names each part
 * of `where` (file, column, module, page) so a user sees where it failed without the location object.
 */
export function expectPmeError(
  error: unknown,
  Class: PmeErrorClass,
  code: PmeErrorCode,
  where: ErrorLocation = {},
): asserts error is PmeError {
  expect(error).toBeInstanceOf(Class)
  const pme = error as PmeError
  expect(pme.code).toBe(code)
  expect(pme.location).toMatchObject(where)
  for (const [part, value] of Object.entries(where)) {
    // Numbers alone would match anything: the message says "page 0", "row group 0".
    const label = part === 'page' ? 'page ' : part === 'rowGroup' ? 'row group ' : ''
    expect(pme.message, `message names the ${part}`).toContain(`${label}${value}`)
  }
  expectNoKeyBytes(pme)
}

/** Neither the message nor the location carries a key, in ASCII, hex or base64. */
export function expectNoKeyBytes(error: Error, keys: readonly Uint8Array[] = ALL_KEYS): void {
  const texts = [error.message, String(error), JSON.stringify((error as PmeError).location ?? {})]
  for (const key of keys) {
    const forms = [
      Buffer.from(key).toString('latin1'),
      Buffer.from(key).toString('hex'),
      Buffer.from(key).toString('hex').toUpperCase(),
      Buffer.from(key).toString('base64'),
    ]
    for (const text of texts) {
      for (const form of forms) expect(text).not.toContain(form)
    }
  }
}
