import { UsageError } from '@pme/core'
import { type KeyOptionValues, keyOptionHelp, keyOptionSpec } from '../key-options.js'
import { kmsSetup } from '../kms.js'
import type { Command } from './command.js'

export const rotateCommand: Command = {
  name: 'rotate',
  summary: 're-wrap data keys with the current master key versions (external material file, or the footer)',
  usage: `pme rotate <path...> [--previous-key-list "id: <base64>, ..."] [--no-double-wrapping]
  With the local KMS, --previous-key-list holds the master keys the files were written with and
  --key-list the new ones; a KMS with key versions needs only its current configuration.
${keyOptionHelp}`,
  options: { ...keyOptionSpec, 'previous-key-list': { type: 'string' }, 'no-double-wrapping': { type: 'boolean' } },
  async run({ positionals, values, env }) {
    if (positionals.length === 0) throw new UsageError('rotate needs at least one Parquet file')
    const kms = await kmsSetup(values as KeyOptionValues, env, values['previous-key-list'] as string | undefined)
    if (!kms) throw new UsageError('rotation needs master keys: --key-list (and --previous-key-list for the local KMS)')
    for (const path of positionals) {
      await kms.factory.rotateMasterKeys(kms.connection, path, {
        doubleWrapping: values['no-double-wrapping'] !== true,
      })
    }
  },
}
