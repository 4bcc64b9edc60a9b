import { refusalLine } from './refusals.js'
import type { DemoReport } from './run-demo.js'

/**
 * The matrix for machines: per reader, its level, its token (null: none) and, per projection,
 * whether it was read and, if not, the error's class and code.
 */
export function renderJson(report: DemoReport): string {
  const json = {
    kms: report.kms,
    file: report.file,
    projections: report.projections.map(({ name, columns }) => ({ name, columns: columns ?? null })),
    matrix: report.matrix.map(({ reader, outcomes }) => ({
      level: reader.level,
      token: reader.token ?? null,
      read: Object.fromEntries([...outcomes].map(([name, outcome]) => [name, outcome.readable])),
      refusals: Object.fromEntries(
        [...outcomes].flatMap(([name, outcome]) =>
          outcome.readable
            ? []
            : [[name, { error: outcome.error.name, code: outcome.error.code, message: refusalLine(outcome.error) }]],
        ),
      ),
    })),
  }
  return `${JSON.stringify(json, null, 2)}\n`
}
