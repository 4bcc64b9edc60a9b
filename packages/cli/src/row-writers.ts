import type { Row } from '@pme/core'
import { cellText, toPlain } from './values.js'

export type RowFormat = 'jsonl' | 'csv' | 'table'
export const ROW_FORMATS: readonly RowFormat[] = ['jsonl', 'csv', 'table']

/** Renders rows batch by batch, in the requested column order; every format streams. */
export interface RowWriter {
  rows(rows: readonly Row[]): string
  /** What is left to print once all rows were given (a table's header when there were none). */
  end(): string
}

function csvCell(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

function jsonlWriter(columns: readonly string[]): RowWriter {
  return {
    rows: (rows) =>
      rows.map((row) => `${JSON.stringify(Object.fromEntries(columns.map((c) => [c, toPlain(row[c])])))}\n`).join(''),
    end: () => '',
  }
}

function csvWriter(columns: readonly string[]): RowWriter {
  let header = `${columns.map(csvCell).join(',')}\n`
  return {
    rows(rows) {
      const lines = rows.map((row) => `${columns.map((column) => csvCell(cellText(row[column]))).join(',')}\n`)
      const text = header + lines.join('')
      header = ''
      return text
    },
    end() {
      const text = header
      header = ''
      return text
    },
  }
}

/**
 * A table's column widths come from the header and the first batch of rows (one row group), so it
 * streams; a later, wider value widens its cell only.
 */
function tableWriter(columns: readonly string[]): RowWriter {
  let widths: number[] | undefined
  const line = (cells: readonly string[], sizes: readonly number[]) =>
    `${cells.map((cell, i) => cell.padEnd(sizes[i] ?? 0)).join(' | ')}\n`
  const start = (cells: readonly string[][]): string => {
    const sizes = columns.map((column) => column.length)
    for (const row of cells) {
      row.forEach((cell, i) => {
        sizes[i] = Math.max(sizes[i] ?? 0, cell.length)
      })
    }
    widths = sizes
    return `${line(columns, sizes)}${sizes.map((width) => '-'.repeat(width)).join('-+-')}\n`
  }
  return {
    rows(rows) {
      const cells = rows.map((row) => columns.map((column) => cellText(row[column])))
      const head = widths ? '' : start(cells)
      const sizes = widths as number[]
      return head + cells.map((row) => line(row, sizes)).join('')
    },
    end: () => (widths ? '' : start([])),
  }
}

export function rowWriter(format: RowFormat, columns: readonly string[]): RowWriter {
  switch (format) {
    case 'jsonl':
      return jsonlWriter(columns)
    case 'csv':
      return csvWriter(columns)
    case 'table':
      return tableWriter(columns)
  }
}
