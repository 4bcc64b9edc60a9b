import type { Row } from '@pme/core'
import { cellText, toPlain } from './values.js'

export type RowFormat = 'jsonl' | 'csv' | 'table'
export const ROW_FORMATS: readonly RowFormat[] = ['jsonl', 'csv', 'table']

function csvCell(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** Renders rows; `table` needs all rows to size its columns, the others stream. */
export function renderRows(rows: Row[], columns: string[], format: RowFormat, withHeader: boolean): string {
  switch (format) {
    case 'jsonl':
      return rows.map((row) => `${JSON.stringify(toPlain(row))}\n`).join('')
    case 'csv': {
      const lines = rows.map((row) => columns.map((column) => csvCell(cellText(row[column]))).join(','))
      if (withHeader) lines.unshift(columns.map(csvCell).join(','))
      return lines.map((line) => `${line}\n`).join('')
    }
    case 'table': {
      const cells = rows.map((row) => columns.map((column) => cellText(row[column])))
      const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((line) => (line[i] ?? '').length)))
      const line = (values: string[]) => `${values.map((value, i) => value.padEnd(widths[i] ?? 0)).join(' | ')}\n`
      const rule = `${widths.map((width) => '-'.repeat(width)).join('-+-')}\n`
      return line(columns) + rule + cells.map(line).join('')
    }
  }
}
