import type { ParseArgsConfig } from 'node:util'

export interface CommandContext {
  positionals: string[]
  values: Record<string, string | boolean | (string | boolean)[] | undefined>
  env: NodeJS.ProcessEnv
  /** Writes to stdout, waiting for the stream to drain. */
  out: (text: string) => Promise<void>
}

export interface Command {
  name: string
  summary: string
  usage: string
  options: NonNullable<ParseArgsConfig['options']>
  run(context: CommandContext): Promise<void>
}
