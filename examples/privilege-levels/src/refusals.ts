import type { PmeError } from '@pme/core'
import type { ReaderResults } from './access-matrix.js'

/**
 * A refusal as one line: the error's class and message. The file path is left out (the report's
 * header names the file); tokens and key bytes are never in PME error messages.
 */
export function refusalLine(error: PmeError): string {
  const column = error.location.column
  return `${error.name}: ${error.detail}${column === undefined ? '' : ` (column ${column})`}`
}

/** Every distinct refusal of the matrix, once, in the order first met. */
export function distinctRefusals(matrix: readonly ReaderResults[]): string[] {
  const lines = new Set<string>()
  for (const { outcomes } of matrix) {
    for (const outcome of outcomes.values()) if (!outcome.readable) lines.add(refusalLine(outcome.error))
  }
  return [...lines]
}
