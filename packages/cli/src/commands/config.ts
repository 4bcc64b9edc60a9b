import type { AdapterSettingsDefinition } from '@pme/core'
import { UsageError } from '@pme/core'
import { OPTIONS } from '../config/options.js'
import type { ResolvedConfig } from '../config/resolve.js'
import { configSchema } from '../config/schema.js'
import { KMS_TYPES, kmsOf, kmsOptionSpec, loadAdapter, loadConfig } from '../kms.js'
import type { Command } from './command.js'

const SECRET = '(set, hidden)'

/** The settings of the configured adapter, checked (unknown names refused); undefined when it is not installed. */
async function checkedAdapterSettings(config: ResolvedConfig): Promise<AdapterSettingsDefinition | undefined> {
  const { type } = kmsOf(config)
  const definition = await loadAdapter(type).then(
    (adapter) => adapter.adapterSettings,
    () => undefined,
  )
  definition?.check(config.file.kmsSettings)
  return definition
}

/** What `config show` prints: secrets, core or adapter, masked (every adapter setting when the adapter is not installed). */
async function shown(config: ResolvedConfig) {
  const settings: Record<string, { value: unknown; source: string; origin: string }> = {}
  for (const option of OPTIONS) {
    const key = `${option.section}.${option.name}`
    const setting = config.settings.get(key)
    if (!setting) continue
    settings[key] = { ...setting, value: option.kind === 'secret' ? SECRET : setting.value }
  }
  const definition = await checkedAdapterSettings(config)
  const kmsSettings = definition
    ? definition.masked(config.file.kmsSettings, SECRET)
    : Object.fromEntries(Object.keys(config.file.kmsSettings).map((name) => [name, SECRET]))
  return { configFile: config.file.path ?? null, settings, kmsSettings }
}

/** The settings of every adapter installed beside the CLI. */
async function installedAdapterSettings(): Promise<Map<string, AdapterSettingsDefinition>> {
  const adapters = new Map<string, AdapterSettingsDefinition>()
  for (const type of KMS_TYPES) {
    const adapter = await loadAdapter(type).catch(() => undefined)
    if (adapter?.adapterSettings) adapters.set(type, adapter.adapterSettings)
  }
  return adapters
}

function text(view: Awaited<ReturnType<typeof shown>>): string {
  const lines = [`config file: ${view.configFile ?? '(none: --config or PME_CONFIG)'}`]
  const rows = Object.entries(view.settings)
  const width = Math.max(0, ...rows.map(([key]) => key.length))
  for (const [key, setting] of rows) {
    lines.push(`${key.padEnd(width)}  ${JSON.stringify(setting.value)}  (${setting.origin})`)
  }
  if (rows.length === 0) lines.push('no option is set: defaults apply')
  for (const [name, value] of Object.entries(view.kmsSettings))
    lines.push(`kms.settings.${name}  ${JSON.stringify(value)}`)
  return `${lines.join('\n')}\n`
}

const encryptionFlags = Object.fromEntries(
  OPTIONS.flatMap((option) => [
    ...(option.flag && !(option.flag in kmsOptionSpec)
      ? [[option.flag, { type: option.kind === 'boolean' ? 'boolean' : 'string' } as const]]
      : []),
    ...(option.fileFlag && !(option.fileFlag in kmsOptionSpec) ? [[option.fileFlag, { type: 'string' } as const]] : []),
  ]),
)

export const configShowCommand: Command = {
  name: 'config show',
  summary: 'print the configuration in effect and where each value comes from (file, PME_* variable, flag)',
  usage: `pme config show [--config <file>] [--json] [any option of encrypt or of the KMS]
  Secrets (access token, key lists, the adapter's secret settings) show only as "${SECRET}"; every adapter
  setting does when the adapter is not installed. Unknown adapter settings are refused.`,
  examples: [
    'pme config show --config pme.config.json',
    'pme config show --kms vault --kms-instance-url https://vault:8200 --json',
  ],
  options: { ...kmsOptionSpec, ...encryptionFlags, json: { type: 'boolean' } },
  async run({ positionals, values, env, out }) {
    if (positionals.length > 0) throw new UsageError('config show takes no file')
    const view = await shown(await loadConfig(values, env))
    await out(values.json ? `${JSON.stringify(view, null, 2)}\n` : text(view))
  },
}

export function configSchemaCommand(serverSchema: object): Command {
  return {
    name: 'config schema',
    summary: "print the JSON Schema of pme.config.json, with every installed adapter's settings",
    usage: 'pme config schema > pme.config.schema.json',
    examples: ['pme config schema > pme.config.schema.json'],
    options: {},
    async run({ positionals, out }) {
      if (positionals.length > 0) throw new UsageError('config schema takes no argument')
      await out(`${JSON.stringify(configSchema(serverSchema, await installedAdapterSettings()), null, 2)}\n`)
    },
  }
}
