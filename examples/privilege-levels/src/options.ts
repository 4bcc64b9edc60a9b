import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { UsageError } from '@pme/core'
import { KEY_LIST_VARIABLE } from './master-keys.js'
import type { DemoOptions } from './run-demo.js'
import { DEMO_PORT } from './try-commands.js'

export interface CommandLine extends DemoOptions {
  json: boolean
  ascii: boolean
  help: boolean
}

export const USAGE = `usage: pnpm demo [--server [--port <n>]] [--out <dir>] [--json] [--ascii] [--rows <n>] [--seed <n>]

Writes a people table encrypted with one master key per privilege level (PUBLIC < INTERNAL <
CONFIDENTIAL < RESTRICTED), reads it back with each token and projection, prints who read what, and
the pme commands to go on by hand. The dataset and its KMS configuration stay in --out.

  --server    go through the HTTP KMS: pme kms serve on 127.0.0.1:${DEMO_PORT}, client @pme/kms-http,
              instead of the embedded in-memory KMS; it keeps running (Swagger UI at /docs) until Ctrl-C
  --port <n>  the HTTP KMS's port (default ${DEMO_PORT}; 0 picks a free one)
  --out <dir> where the dataset stays (default ./demo-out, from where pnpm demo was run)
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

function port(text: string | undefined): number {
  if (text === undefined) return DEMO_PORT
  const value = Number(text)
  if (!/^\d+$/.test(text) || value > 65535) throw new UsageError(`--port must be 0 to 65535, got "${text}"`)
  return value
}

/** Where the user ran `pnpm demo`: pnpm runs the script in the package's folder, and says where it started. */
export function invocationDir(): string {
  return process.env.INIT_CWD ?? process.cwd()
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
        out: { type: 'string' },
        port: { type: 'string' },
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
    out: resolve(invocationDir(), (values.out as string | undefined) ?? 'demo-out'),
    port: port(values.port as string | undefined),
  }
}
