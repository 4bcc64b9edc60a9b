import { relative } from 'node:path'
import { ALL_COLUMNS } from './projections.js'
import type { DemoReport } from './run-demo.js'

/** The port `pnpm demo --server` and the printed `pme kms serve` command use: the seed's. */
export const DEMO_PORT = 8001

/** A path as the user types it from where they ran `pnpm demo` (pnpm runs the script elsewhere). */
function shown(path: string, cwd: string): string {
  const rel = relative(cwd, path)
  return rel.startsWith('..') ? path : rel
}

/**
 * The seed's walk-through, continued by hand: the `pme` commands that serve the dataset's KMS and
 * read the file as each token, with the columns that token may read.
 */
export function tryCommands(report: DemoReport, cwd: string): string[] {
  const file = shown(report.dataset.file, cwd)
  const config = shown(report.dataset.config, cwd)
  const url = report.kmsUrl ?? `http://127.0.0.1:${DEMO_PORT}`
  const lines = report.kmsUrl
    ? [`The KMS keeps running at ${url} until Ctrl-C (Swagger UI: ${url}/docs). Read the file as each token:`]
    : [
        `The dataset stays in ${shown(report.dataset.folder, cwd)}; serve its KMS, then read the file as each token:`,
        `  pnpm exec pme kms serve --config ${config} --port ${DEMO_PORT}    # Swagger UI: ${url}/docs`,
      ]
  for (const { reader, outcomes } of report.matrix) {
    const readable = [...outcomes].filter(([name, outcome]) => name !== ALL_COLUMNS && outcome.readable)
    const columns = readable.map(([name]) => name).join(',')
    const token = reader.token === undefined ? '' : ` --access-token ${reader.token}`
    lines.push(
      `  pnpm exec pme cat ${file} --kms http --kms-instance-url ${url}${token} --columns ${columns} --format table --limit 5`,
    )
  }
  lines.push(
    `A column above the token's level is refused: try --columns social_security_number with --access-token INTERNAL.`,
    `(${config} holds this run's demo master keys: delete the folder to destroy them.)`,
  )
  return lines
}
