import { migrateKeyMaterial, UsageError } from '@pme/core'
import { runBatch } from './batch.js'
import type { CommandContext } from './commands/command.js'
import { readConfigFile } from './config/config-file.js'
import { waysToSet } from './config/encryption-settings.js'
import { OPTIONS } from './config/options.js'
import { type ResolvedConfig, resolveConfig, settingValue } from './config/resolve.js'
import { readOptions } from './key-options.js'
import { kmsSetup } from './kms.js'
import { rotationTargets } from './rotation-targets.js'

/** `pme rotate --to-config`: moving files to another KMS backend. */
export const migrateOptionSpec = {
  'to-config': { type: 'string' },
  'master-key-map': { type: 'string' },
  'dry-run': { type: 'boolean' },
} as const

export const migrateOptionHelp = `  --to-config <file>               move the files to the KMS backend of <file>'s kms section: the current
                                   configuration (flags, PME_*, --config) unwraps, <file>'s wraps; no page
                                   is re-encrypted, files already moved are skipped
  --master-key-map "old=new,..."   the target's names of the master keys (unmapped ids keep their names)
  --dry-run                        unwrap every key and list what would move; write nothing`

/** Whether `pme rotate` moves the files to another backend; the migration options need --to-config. */
export function isMigration(values: CommandContext['values']): boolean {
  if (values['to-config']) return true
  const stray = ['master-key-map', 'dry-run'].find((name) => values[name] !== undefined)
  if (stray) throw new UsageError(`--${stray} goes with --to-config <file>`)
  return false
}

/** `"old=new,old=new"` -> { old: new }; an id mapped twice is a usage error. */
export function parseMasterKeyMap(text: string): Record<string, string> {
  const map: Record<string, string> = {}
  for (const entry of text.split(',')) {
    if (entry.trim() === '') continue
    const [from, to, extra] = entry.split('=').map((part) => part.trim())
    if (!from || !to || extra !== undefined) {
      throw new UsageError(`--master-key-map entries are old=new, got "${entry.trim()}"`)
    }
    if (Object.hasOwn(map, from)) throw new UsageError(`--master-key-map maps "${from}" twice`)
    map[from] = to
  }
  return map
}

/**
 * The files to move: each file as given; a folder's data files and those of its subfolders, as
 * rotation lists them. Every file moves, wherever its key material is: a file left behind would
 * still need the old backend.
 */
export async function migrationPaths(paths: readonly string[]): Promise<string[]> {
  return (await rotationTargets(paths)).map((target) => target.input)
}

/**
 * The environment the target file is read with: without the option variables (PME_KMS,
 * PME_KEY_LIST... and their `_FILE` forms), which configure the source, so that an exported key list
 * or token never reaches the target; other variables stay, for references the target file makes.
 */
function targetEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const names = new Set(OPTIONS.flatMap((option) => (option.env ? [option.env, `${option.env}_FILE`] : [])))
  return Object.fromEntries(Object.entries(env).filter(([name]) => !names.has(name)))
}

/**
 * Moves the files of `context` from the configured backend (`source`) to the one `--to-config`
 * names. The target file's kms section alone sets the target: PME_* variables and flags are the
 * source's. Double wrapping in the target follows its encryption section, or --no-double-wrapping.
 */
export async function migrateFiles(context: CommandContext, source: ResolvedConfig): Promise<void> {
  const { positionals, values, out, stderr } = context
  const toConfig = values['to-config'] as string
  const masterKeyMap = parseMasterKeyMap((values['master-key-map'] as string | undefined) ?? '')
  const targetEnv = targetEnvironment(context.env)
  const target: ResolvedConfig = resolveConfig(await readConfigFile(toConfig, targetEnv), targetEnv, {})
  const from = await kmsSetup(source)
  if (!from) {
    throw new UsageError(
      `the current configuration unwraps the files, and it has no master keys: set ${waysToSet('kms.keyList')}, or --kms`,
    )
  }
  const to = await kmsSetup(target)
  if (!to) throw new UsageError(`${toConfig} sets no KMS to wrap with: its kms section needs a type (local: a keyList)`)
  const doubleWrapping =
    values['no-double-wrapping'] !== true && settingValue<boolean>(target, 'encryption.doubleWrapping') !== false
  const dryRun = values['dry-run'] === true
  const { aadPrefix } = readOptions(values)
  const json = values.json === true
  const items = (await migrationPaths(positionals)).map((input) => ({ input }))
  const results = await runBatch(
    items,
    async ({ input }) =>
      (
        await migrateKeyMaterial(input, {
          source: from.factory,
          sourceConnection: from.connection,
          target: to.factory,
          targetConnection: to.connection,
          masterKeyMap,
          doubleWrapping,
          dryRun,
          ...(aadPrefix !== undefined ? { aadPrefix } : {}),
          ...(from.cacheLifetimeSeconds ? { cacheLifetimeSeconds: from.cacheLifetimeSeconds } : {}),
        })
      ).outcome,
    // A dry run prints its own lines (below), not a summary.
    { command: 'rotate', json, quiet: dryRun || values.quiet === true, out, stderr },
  )
  // A dry run is for reading: one line per file, what would happen to it.
  if (dryRun && !json) await out(results.map((result) => `${result.outcome} ${result.input}\n`).join(''))
}
