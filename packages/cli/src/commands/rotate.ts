import { UsageError } from '@pme/core'
import { runBatch } from '../batch.js'
import { waysToSet } from '../config/encryption-settings.js'
import { settingValue } from '../config/resolve.js'
import { keyOptionHelp, keyOptionSpec } from '../key-options.js'
import { kmsSetup, loadConfig } from '../kms.js'
import { isMigration, migrateFiles, migrateOptionHelp, migrateOptionSpec } from '../migrate.js'
import type { Command } from './command.js'

export const rotateCommand: Command = {
  name: 'rotate',
  summary: 're-wrap data keys with the current master key versions (external material file, or the footer)',
  usage: `pme rotate <path...> [--previous-key-list "id: <base64>, ..."] [--no-double-wrapping] [--json]
       pme rotate <path...> --to-config <file> [--master-key-map "old=new,..."] [--dry-run] [--json]
  With the local KMS, --previous-key-list (or PME_PREVIOUS_KEY_LIST) holds the master keys the files
  were written with and --key-list the new ones; a KMS with key versions needs only its configuration.
  --json                           print a JSON report of every file (ok / failed, with the error)
${migrateOptionHelp}
${keyOptionHelp}`,
  examples: [
    'pme rotate enc/*.parquet --previous-key-list "$OLD_KEYS" --key-list "$NEW_KEYS"',
    'pme rotate enc/*.parquet --kms vault --kms-instance-url https://vault:8200 --access-token "$VAULT_TOKEN"',
    'pme rotate warehouse/ --config vault.json --to-config aws.json --master-key-map "footer=alias/footer"',
  ],
  options: {
    ...keyOptionSpec,
    'previous-key-list': { type: 'string' },
    'no-double-wrapping': { type: 'boolean' },
    json: { type: 'boolean' },
    ...migrateOptionSpec,
  },
  async run({ positionals, values, env, out, stderr }) {
    if (positionals.length === 0) throw new UsageError('rotate needs at least one Parquet file')
    const config = await loadConfig(values, env)
    if (isMigration(values)) return migrateFiles({ positionals, values, env, out, stderr }, config)
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
