import { parseArgs } from 'node:util'
import { UsageError } from '@pme/core'
import { KEY_LIST_VARIABLE } from './master-keys.js'
import type { DemoOptions } from './run-demo.js'

export interface CommandLine extends DemoOptions {
  json: boolean
  ascii: boolean
  help: boolean
}

export const USAGE = `usage: pnpm demo [--server] [--json] [--ascii] [--rows <n>] [--seed <n>]

Writes a people table encrypted with one master key per privilege level (PUBLIC < INTERNAL <
CONFIDENTIAL < RESTRICTED), reads it back with each token and projection, and prints who read what.

  --server    go through the HTTP KMS: pme kms serve on 127.0.0.1, client @pme/kms-http
              instead of the embedded in-memory KMS
  --json      print the matrix as JSON
  --ascii     mark cells "yes"/"no" instead of ✓/✗
  --rows <n>  rows to generate (default 5000)
  --seed <n>  seed of the fake-data generator (default 1)

Master keys are random for each run; ${KEY_LIST_VARIABLE}="PUBLIC: <base64>, INTERNAL: ..." supplies them.`

function positiveInteger(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback
  const value = Number(text)
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`${name} must be a positive integer, got "${text}"`)
  }
  return value
}

/** The demo's command line; a UsageError for anything it does not know. */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  let values: Record<string, string | boolean | undefined>
  try {
    // pnpm may pass a lone "--" before the script's arguments.
    ;({ values } = parseArgs({
      args: argv[0] === '--' ? argv.slice(1) : [...argv],
      options: {
        server: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        ascii: { type: 'boolean', default: false },
        rows: { type: 'string' },
        seed: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }))
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  return {
    server: values.server === true,
    json: values.json === true,
    ascii: values.ascii === true,
    help: values.help === true,
    rows: positiveInteger(values.rows as string | undefined, '--rows', 5000),
    seed: positiveInteger(values.seed as string | undefined, '--seed', 1),
  }
}
