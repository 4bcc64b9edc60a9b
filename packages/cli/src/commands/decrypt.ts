import { resolve } from 'node:path'
import { decryptFile, UsageError } from '@pme/core'
import { type KeyOptionValues, keyOptionHelp, keyOptionSpec, readProperties } from '../key-options.js'
import type { Command } from './command.js'

export const decryptCommand: Command = {
  name: 'decrypt',
  summary: 'write a plaintext copy of an encrypted Parquet file (pages, statistics and indexes kept)',
  usage: `pme decrypt <in> -o <out>
${keyOptionHelp}`,
  options: { ...keyOptionSpec, output: { type: 'string', short: 'o' } },
  async run({ positionals, values, env }) {
    const [input, ...extra] = positionals
    const output = values.output as string | undefined
    if (!input || extra.length > 0) throw new UsageError('decrypt takes exactly one input file')
    if (!output) throw new UsageError('decrypt needs -o <out>')
    if (resolve(input) === resolve(output)) throw new UsageError('the output must not be the input file')
    await decryptFile(input, output, await readProperties(values as KeyOptionValues, env, input))
  },
}
