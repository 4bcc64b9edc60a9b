import { KMS_SERVER_CONFIG_SCHEMA } from '@pme/kms-server'
import { catCommand } from './commands/cat.js'
import type { Command } from './commands/command.js'
import { configSchemaCommand, configShowCommand } from './commands/config.js'
import { decryptCommand } from './commands/decrypt.js'
import { encryptCommand } from './commands/encrypt.js'
import { inspectCommand } from './commands/inspect.js'
import { kmsServeCommand } from './commands/kms-serve.js'
import { rotateCommand } from './commands/rotate.js'
import { errorLine, isUsageError } from './errors.js'
import { closeKmsSetups } from './kms.js'
import { parseOptions } from './parse-options.js'
import { version } from './version.js'

const commands: readonly Command[] = [
  encryptCommand,
  decryptCommand,
  catCommand,
  inspectCommand,
  rotateCommand,
  kmsServeCommand,
  configShowCommand,
  configSchemaCommand(KMS_SERVER_CONFIG_SCHEMA),
]

function help(): string {
  const list = commands.map((command) => `  ${command.name.padEnd(14)}${command.summary}`).join('\n')
  return `pme: Parquet Modular Encryption

usage: pme <command> [options]

${list}

Run "pme <command> --help" for a command's options and examples; "pme --version" (-v) prints the version.
Exit codes: 0 ok, 1 failure, 2 usage error. PME_DEBUG=1 adds stack traces.
`
}

function commandHelp(command: Command): string {
  const examples = command.examples.map((example) => `  ${example}`).join('\n')
  return `${command.summary}\n\nusage: ${command.usage}\n\nexamples:\n${examples}\n`
}

/** The command named by the first one or two words, and the arguments after its name. */
function find(argv: string[]): [Command, string[]] | undefined {
  const two = commands.find((command) => command.name === `${argv[0]} ${argv[1]}`)
  if (two) return [two, argv.slice(2)]
  const one = commands.find((command) => command.name === argv[0])
  return one ? [one, argv.slice(1)] : undefined
}

function writer(stream: NodeJS.WritableStream): (text: string) => Promise<void> {
  // A reader that closed the pipe (pme cat | head) makes writes fail with EPIPE: each write's callback
  // gets it (main then ends quietly with 0); without a listener the stream's 'error' event would crash.
  if (stream.listenerCount('error') === 0) stream.on('error', () => undefined)
  return (text) =>
    new Promise((resolve, reject) => {
      stream.write(text, (error) => (error ? reject(error) : resolve()))
    })
}

/** Runs the pme command line; returns the exit code (0 ok, 1 failure, 2 usage error). */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [name] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help())
    return name ? 0 : 2
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${version()}\n`)
    return 0
  }
  const found = find(argv)
  if (!found) {
    const group = commands.filter((command) => command.name.startsWith(`${name} `)).map((command) => command.name)
    const known = group.length > 0 ? group : commands.map((command) => command.name)
    process.stderr.write(
      `pme: unknown command "${argv.slice(0, group.length > 0 ? 2 : 1).join(' ')}" (commands: ${known.join(', ')}; see pme --help)\n`,
    )
    return 2
  }
  const [command, rest] = found
  try {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(commandHelp(command))
      return 0
    }
    const parsed = parseOptions(rest, command.options, command.name)
    await command.run({
      positionals: parsed.positionals,
      values: parsed.values,
      env,
      out: writer(process.stdout),
      stderr: process.stderr,
    })
    return 0
  } catch (error) {
    if ((error as NodeJS.ErrnoException)?.code === 'EPIPE') return 0 // reader closed the pipe (pme cat | head)
    process.stderr.write(`pme ${command.name}: ${errorLine(error)}\n`)
    if (env.PME_DEBUG) process.stderr.write(`${(error as Error)?.stack}\n`)
    return isUsageError(error) ? 2 : 1
  } finally {
    await closeKmsSetups()
  }
}
