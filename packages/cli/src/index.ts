import { parseArgs } from 'node:util'
import { PmeError, UsageError } from '@pme/core'
import { catCommand } from './commands/cat.js'
import type { Command } from './commands/command.js'
import { decryptCommand } from './commands/decrypt.js'
import { encryptCommand } from './commands/encrypt.js'
import { inspectCommand } from './commands/inspect.js'
import { rotateCommand } from './commands/rotate.js'

const commands: readonly Command[] = [catCommand, inspectCommand, encryptCommand, decryptCommand, rotateCommand]

function help(): string {
  const list = commands.map((command) => `  ${command.name.padEnd(10)}${command.summary}`).join('\n')
  return `pme: Parquet Modular Encryption\n\nusage: pme <command> [options]\n\n${list}\n\nRun "pme <command> --help" for a command's options.\n`
}

/** One line for the user: typed errors as they are, file-system errors by path, anything else as a bug. */
function errorLine(error: unknown): string {
  if (error instanceof PmeError) return error.message
  const fsError = error as NodeJS.ErrnoException
  if (fsError?.code && fsError.path) return `cannot access ${fsError.path}: ${fsError.code}`
  if (fsError?.code?.startsWith('ERR_PARSE_ARGS')) return fsError.message
  return `internal error: ${(error as Error)?.message ?? String(error)} (set PME_DEBUG=1 for details)`
}

function isUsageError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException)?.code
  return error instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))
}

function writer(stream: NodeJS.WritableStream): (text: string) => Promise<void> {
  return (text) =>
    new Promise((resolve, reject) => {
      stream.write(text, (error) => (error ? reject(error) : resolve()))
    })
}

/** Runs the pme command line; returns the exit code (0 ok, 1 failure, 2 usage error). */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help())
    return name ? 0 : 2
  }
  const command = commands.find((candidate) => candidate.name === name)
  if (!command) {
    process.stderr.write(`pme: unknown command "${name}"\n${help()}`)
    return 2
  }
  try {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(`usage: ${command.usage}\n`)
      return 0
    }
    const parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true })
    await command.run({ positionals: parsed.positionals, values: parsed.values, env, out: writer(process.stdout) })
    return 0
  } catch (error) {
    if ((error as NodeJS.ErrnoException)?.code === 'EPIPE') return 0 // reader closed the pipe (pme cat | head)
    process.stderr.write(`pme ${name}: ${errorLine(error)}\n`)
    if (env.PME_DEBUG) process.stderr.write(`${(error as Error)?.stack}\n`)
    return isUsageError(error) ? 2 : 1
  }
}
