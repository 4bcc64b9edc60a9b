import type { Row } from '@pme/core'
import type { FileSummary } from './describe-file.js'
import { distinctRefusals } from './refusals.js'
import type { DemoReport } from './run-demo.js'
import type { Sample } from './samples.js'
import { textTable } from './text-table.js'
import { tryCommands } from './try-commands.js'

/** How the matrix shows a read and a refusal. */
export interface Marks {
  readable: string
  refused: string
}

export const UNICODE_MARKS: Marks = { readable: '✓', refused: '✗' }
export const ASCII_MARKS: Marks = { readable: 'yes', refused: 'no' }

/** The matrix's label of a reader that sends no token. */
export const NO_TOKEN = '(none)'

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}

function kilobytes(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`
}

function keysSection(file: FileSummary, masterKeyCount: number): string[] {
  const protectedBy = new Map<string, string[]>()
  const add = (masterKeyId: string, what: string) =>
    protectedBy.set(masterKeyId, [...(protectedBy.get(masterKeyId) ?? []), what])
  if (file.footerMasterKeyId) add(file.footerMasterKeyId, 'the footer')
  for (const column of file.columns) if (column.masterKeyId) add(column.masterKeyId, column.name)
  const plaintext = file.columns.filter((column) => column.masterKeyId === null).map((column) => column.name)
  return [
    `Master keys (${masterKeyCount}, random for this run, never printed) and what each protects:`,
    ...textTable(
      ['master key', 'protects'],
      [
        ...[...protectedBy].map(([masterKeyId, what]) => [masterKeyId, what.join(', ')]),
        ...(plaintext.length > 0 ? [['(none)', `${plaintext.join(', ')}: not encrypted`]] : []),
      ],
    ),
  ]
}

function matrixSection(report: DemoReport, marks: Marks): string[] {
  const names = report.projections.map((projection) => projection.name)
  const rows = report.matrix.map(({ reader, outcomes }) => [
    reader.token ?? NO_TOKEN,
    ...names.map((name) => (outcomes.get(name)?.readable ? marks.readable : marks.refused)),
  ])
  return [
    `Read with each token, one column at a time, then all columns (${marks.readable} read, ${marks.refused} refused;`,
    `${NO_TOKEN} sends no token: the PUBLIC level):`,
    ...textTable(['token', ...names], rows),
  ]
}

function cellText(value: unknown): string {
  return value instanceof Date ? value.toISOString().slice(0, 10) : String(value)
}

function sampleSection(sample: Sample, totalRows: number): string[] {
  const rows = sample.rows.map((row: Row) => sample.columns.map((column) => cellText(row[column])))
  return [
    `${sample.reader.token ?? NO_TOKEN} reading ${sample.projection} (first ${rows.length} of ${totalRows} rows):`,
    ...textTable(sample.columns, rows),
  ]
}

/** The report for people: fits a screen. */
export function renderText(report: DemoReport, marks: Marks = UNICODE_MARKS, cwd = process.cwd()): string {
  const { file } = report
  const footer = file.footer === 'encrypted' ? 'encrypted footer (PARE)' : 'plaintext footer (PAR1)'
  const sections = [
    [`pme privilege-levels demo, through the ${report.kms}`],
    [
      `Wrote ${file.name}: ${file.rows} rows in ${plural(file.rowGroups, 'row group')}, ${kilobytes(file.bytes)}, ${file.algorithm}, ${footer}.`,
      ...keysSection(file, report.masterKeyCount),
    ],
    matrixSection(report, marks),
    [
      'Refusals, as readParquet throws them (each distinct error once):',
      ...distinctRefusals(report.matrix).map((line) => `  ${line}`),
    ],
    ...report.samples.map((sample) => sampleSection(sample, file.rows)),
    tryCommands(report, cwd),
  ]
  return `${sections.map((lines) => lines.join('\n')).join('\n\n')}\n`
}
