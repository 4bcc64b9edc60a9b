import { UsageError } from '@pme/core'
import { runBatch } from '../batch.js'
import { waysToSet } from '../config/encryption-settings.js'
import { settingValue } from '../config/resolve.js'
import { keyOptionHelp, keyOptionSpec } from '../key-options.js'
import { kmsSetup, loadConfig } from '../kms.js'
import type { Command } from './command.js'

export const rotateCommand: Command = {
  name: 'rotate',
  summary: 're-wrap data keys with the current master key versions (external material file, or the footer)',
  usage: `pme rotate <path...> [--previous-key-list-file <file>] [--no-double-wrapping] [--json]
  With the local KMS, --previous-key-list-file (or PME_PREVIOUS_KEY_LIST_FILE) holds the master keys the files
  were written with and --key-list-file the new ones; a KMS with key versions needs only its configuration.
  --json                           print a JSON report of every file (ok / failed, with the error)
${keyOptionHelp}`,
  examples: [
    'pme rotate enc/*.parquet --previous-key-list-file old-keys.txt --key-list-file new-keys.txt',
    'pme rotate enc/*.parquet --kms vault --kms-instance-url https://vault:8200 --access-token-file /run/secrets/vault-token',
  ],
  options: {
    ...keyOptionSpec,
    'previous-key-list': { type: 'string' },
    'previous-key-list-file': { type: 'string' },
    'no-double-wrapping': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run({ positionals, values, env, out, stderr }) {
    if (positionals.length === 0) throw new UsageError('rotate needs at least one Parquet file')
    const config = await loadConfig(values, env)
    const kms = await kmsSetup(config)
    if (!kms) throw new UsageError(`rotation needs master keys: set ${waysToSet('kms.keyList')}`)
    const doubleWrapping = settingValue<boolean>(config, 'encryption.doubleWrapping') !== false
    const items = positionals.map((input) => ({ input }))
    await runBatch(items, ({ input }) => kms.factory.rotateMasterKeys(kms.connection, input, { doubleWrapping }), {
      command: 'rotate',
      json: values.json === true,
      out,
      stderr,
    })
  },
}
