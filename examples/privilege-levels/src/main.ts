#!/usr/bin/env node
import { UsageError } from '@pme/core'
import { invocationDir, parseCommandLine, USAGE } from './options.js'
import { renderJson } from './render-json.js'
import { ASCII_MARKS, renderText, UNICODE_MARKS } from './render-text.js'
import { runDemo } from './run-demo.js'

/** Exit codes: 0 done, 1 the demo failed, 2 a usage error. */
async function main(argv: readonly string[]): Promise<number> {
  const commandLine = parseCommandLine(argv)
  if (commandLine.help) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  const { report, kms } = await runDemo(commandLine)
  try {
    const marks = commandLine.ascii ? ASCII_MARKS : UNICODE_MARKS
    process.stdout.write(commandLine.json ? renderJson(report) : renderText(report, marks, invocationDir()))
    // The seed's walk-through goes on with the server: it stays up for the printed commands.
    if (commandLine.server && !commandLine.json) await stopSignal()
  } finally {
    await kms.close()
  }
  return 0
}

/** Ctrl-C (SIGINT) or SIGTERM. */
function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    const usage = error instanceof UsageError
    process.stderr.write(`privilege-levels demo: ${error instanceof Error ? error.message : String(error)}\n`)
    if (usage) process.stderr.write(`${USAGE}\n`)
    process.exitCode = usage ? 2 : 1
  },
)
