import { decryptFile, refreshChecksumSidecar, UsageError } from '@pme/core'
import { runBatch } from '../batch.js'
import { fileReader, keyOptionHelp, keyOptionSpec, readOptions } from '../key-options.js'
import { loadConfig } from '../kms.js'
import {
  checkInputFiles,
  checkOutputs,
  ensureOutDir,
  outputOptionHelp,
  outputOptionSpec,
  outputPaths,
} from '../output-paths.js'
import type { Command } from './command.js'

export const decryptCommand: Command = {
  name: 'decrypt',
  summary: 'write plaintext copies of encrypted Parquet files (pages, statistics and indexes kept)',
  usage: `pme decrypt <in...> (-o <out> | --out-dir <dir>) [--force] [--json] [--quiet]
${outputOptionHelp}
${keyOptionHelp}`,
  examples: [
    'pme decrypt people.enc.parquet -o people.parquet --key-list-file keys.txt',
    'pme decrypt enc/*.parquet --out-dir plain/ --kms aws --json',
  ],
  options: {
    ...keyOptionSpec,
    ...outputOptionSpec,
  },
  async run({ positionals, values, env, out, stderr }) {
    if (positionals.length === 0) throw new UsageError('decrypt needs at least one input file')
    const paths = outputPaths(positionals, values.output, values['out-dir'])
    await checkInputFiles(positionals)
    await checkOutputs(paths, values.output, values.force === true)
    const reader = await fileReader(await loadConfig(values, env), readOptions(values))
    await ensureOutDir(values['out-dir'])
    const items = positionals.map((input, i) => ({ input, output: paths[i] as string }))
    await runBatch(
      items,
      async ({ input, output }) => {
        await decryptFile(input, output as string, reader.properties(input))
        await refreshChecksumSidecar(output as string)
      },
      { command: 'decrypt', json: values.json === true, quiet: values.quiet === true, out, stderr },
    )
  },
}
