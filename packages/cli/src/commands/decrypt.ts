import { decryptFile, UsageError } from '@pme/core'
import { runBatch } from '../batch.js'
import { fileReader, keyOptionHelp, keyOptionSpec, readOptions } from '../key-options.js'
import { loadConfig } from '../kms.js'
import { ensureOutDir, outputPaths } from '../output-paths.js'
import type { Command } from './command.js'

export const decryptCommand: Command = {
  name: 'decrypt',
  summary: 'write plaintext copies of encrypted Parquet files (pages, statistics and indexes kept)',
  usage: `pme decrypt <in...> (-o <out> | --out-dir <dir>) [--json]
  --json                           print a JSON report of every file (ok / failed, with the error)
${keyOptionHelp}`,
  examples: [
    'pme decrypt people.enc.parquet -o people.parquet --key-list-file keys.txt',
    'pme decrypt enc/*.parquet --out-dir plain/ --kms aws --json',
  ],
  options: {
    ...keyOptionSpec,
    output: { type: 'string', short: 'o' },
    'out-dir': { type: 'string' },
    json: { type: 'boolean' },
  },
  async run({ positionals, values, env, out, stderr }) {
    if (positionals.length === 0) throw new UsageError('decrypt needs at least one input file')
    const paths = outputPaths(positionals, values.output, values['out-dir'])
    const reader = await fileReader(await loadConfig(values, env), readOptions(values))
    await ensureOutDir(values['out-dir'])
    const items = positionals.map((input, i) => ({ input, output: paths[i] as string }))
    await runBatch(items, ({ input, output }) => decryptFile(input, output as string, reader.properties(input)), {
      command: 'decrypt',
      json: values.json === true,
      out,
      stderr,
    })
  },
}
