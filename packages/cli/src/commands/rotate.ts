import { UsageError } from '@pme/core'
import { runBatch } from '../batch.js'
import { waysToSet } from '../config/encryption-settings.js'
import { settingValue } from '../config/resolve.js'
import { keyOptionHelp, keyOptionSpec } from '../key-options.js'
import { kmsSetup, loadConfig } from '../kms.js'
import { isMigration, migrateFiles, migrateOptionHelp, migrateOptionSpec } from '../migrate.js'
import { checkFolderTarget, rotationTargets } from '../rotation-targets.js'
import type { Command } from './command.js'

export const rotateCommand: Command = {
  name: 'rotate',
  summary: 're-wrap data keys with the current master key versions (key material files, or footers)',
  usage: `pme rotate <folder|file...> [--new-key-list-file <file>] [--in-file-key-material]
            [--no-double-wrapping] [--json] [--quiet]
       pme rotate <path...> --to-config <file> [--master-key-map "old=new,..."] [--dry-run] [--json]
  A folder is rotated as parquet-java's KeyToolkit.rotateMasterKeys(folder) does: every data file
  (names not starting with _ or .; subfolders too) through its _KEY_MATERIAL_FOR_<file>.json. Files
  named one by one are rotated however their keys are stored.
  --in-file-key-material           in a folder, also rotate files that keep their key material inside
                                   (only their footer is rewritten)
  Hadoop .crc sidecars (Spark's local file system) of every rewritten file are rewritten too.
  With the local KMS, say which keys are which, in either spelling:
    --key-list-file OLD --new-key-list-file NEW      as parquet-java's InMemoryKMS (key.list, new.key.list)
    --previous-key-list-file OLD --key-list-file NEW or --previous-key-list-file OLD --new-key-list-file NEW
  (or PME_KEY_LIST_FILE, PME_NEW_KEY_LIST_FILE, PME_PREVIOUS_KEY_LIST_FILE; --key-list, --new-key-list,
  --previous-key-list and their PME_* variables take the lists as is). A KMS with key versions needs
  only its configuration.
  --json                           print a JSON report of every file (ok / failed, with the error)
  --quiet                          no summary line on success
${migrateOptionHelp}
${keyOptionHelp}`,
  examples: [
    'pme rotate squares.parquet.encrypted/ --key-list-file old-keys.txt --new-key-list-file new-keys.txt',
    'pme rotate enc/*.parquet --previous-key-list-file old-keys.txt --key-list-file new-keys.txt',
    'pme rotate warehouse/table/ --kms vault --kms-instance-url https://vault:8200 --access-token-file /run/secrets/vault-token',
    'pme rotate warehouse/ --config vault.json --to-config aws.json --master-key-map "footer=alias/footer"',
  ],
  options: {
    ...keyOptionSpec,
    'previous-key-list': { type: 'string' },
    'new-key-list': { type: 'string' },
    'in-file-key-material': { type: 'boolean' },
    'previous-key-list-file': { type: 'string' },
    'new-key-list-file': { type: 'string' },
    'no-double-wrapping': { type: 'boolean' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
    ...migrateOptionSpec,
  },
  async run({ positionals, values, env, out, stderr }) {
    if (positionals.length === 0) throw new UsageError('rotate needs a folder or Parquet files')
    const config = await loadConfig(values, env)
    if (isMigration(values)) return migrateFiles({ positionals, values, env, out, stderr }, config)
    const kms = await kmsSetup(config)
    if (!kms) throw new UsageError(`rotation needs master keys: set ${waysToSet('kms.keyList')}`)
    const doubleWrapping = settingValue<boolean>(config, 'encryption.doubleWrapping') !== false
    const inFile = values['in-file-key-material'] === true
    const targets = await rotationTargets(positionals)
    await runBatch(
      targets,
      async (target) => {
        await checkFolderTarget(target, inFile)
        await kms.factory.rotateMasterKeys(kms.connection, target.input, { doubleWrapping })
      },
      { command: 'rotate', json: values.json === true, quiet: values.quiet === true, out, stderr },
    )
  },
}
