import type { ParseArgsConfig } from 'node:util'

export interface CommandContext {
  positionals: string[]
  values: Record<string, string | boolean | (string | boolean)[] | undefined>
  env: NodeJS.ProcessEnv
  /** Writes to stdout, waiting for the stream to drain. */
  out: (text: string) => Promise<void>
  stderr: NodeJS.WritableStream & { isTTY?: boolean }
}

export interface Command {
  /** One word, or two for a subcommand (`kms serve`). */
  name: string
  summary: string
  usage: string
  /** Command lines a user can copy, shown by --help. */
  examples: readonly string[]
  options: NonNullable<ParseArgsConfig['options']>
  run(context: CommandContext): Promise<void>
}
