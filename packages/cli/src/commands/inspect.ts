import { type FileReport, inspectFile, type KeyMetadataView, UsageError } from '@pme/core'
import { fileReader, keyOptionHelp, keyOptionSpec, readOptions } from '../key-options.js'
import { loadConfig } from '../kms.js'
import { checkInputFiles } from '../output-paths.js'
import type { Command } from './command.js'

function keyText(view: KeyMetadataView): string {
  if (!view) return '-'
  return 'text' in view ? JSON.stringify(view.text) : `0x${view.hex}`
}

function aadText(report: FileReport): string {
  switch (report.aadPrefix) {
    case 'stored':
      return `stored (${JSON.stringify(report.aadPrefixValue)})`
    case 'must-supply':
      return 'not stored: the reader must supply it'
    default:
      return report.aadPrefix ?? '-'
  }
}

function describe(report: FileReport): string {
  const lines = [`file:              ${report.file}`, `magic:             ${report.magic}`]
  if (!report.encrypted) {
    lines.push('encryption:        none')
  } else {
    lines.push(
      `algorithm:         ${report.algorithm}`,
      `footer:            ${report.footer}${report.footerSignature ? ` (signature ${report.footerSignature})` : ''}`,
      `footer key:        ${report.footerMasterKeyId ? `master key ${JSON.stringify(report.footerMasterKeyId)}` : keyText(report.footerKeyMetadata)}`,
      `aad prefix:        ${aadText(report)}`,
      `aad file unique:   ${report.aadFileUnique}`,
    )
  }
  if (!report.footerReadable) {
    lines.push(`columns:           unknown: the footer is encrypted (${report.reason})`)
    return `${lines.join('\n')}\n`
  }
  lines.push(`created by:        ${report.createdBy ?? '-'}`, `rows:              ${report.numRows}`)
  lines.push(`row groups:        ${report.rowGroups}`, 'columns:')
  for (const column of report.columns ?? []) {
    const key = column.masterKeyId ? `master key ${JSON.stringify(column.masterKeyId)}` : keyText(column.keyMetadata)
    const how = !column.encrypted ? 'plaintext' : `encrypted, ${column.key} key, ${key}`
    lines.push(`  ${column.path} (${column.physicalType}): ${how}`)
  }
  return `${lines.join('\n')}\n`
}

export const inspectCommand: Command = {
  name: 'inspect',
  summary: "show a file's encryption: algorithm, footer mode, AAD prefix, and each column's key",
  usage: `pme inspect <file...> [--json]
  Works without keys; with them, also shows what an encrypted footer holds. --json prints an object
  for one file, an array for several.
${keyOptionHelp}`,
  examples: ['pme inspect people.enc.parquet', 'pme inspect enc/*.parquet --json --key-list-file keys.txt'],
  options: { ...keyOptionSpec, json: { type: 'boolean' } },
  async run({ positionals, values, env, out }) {
    if (positionals.length === 0) throw new UsageError('inspect needs at least one file')
    await checkInputFiles(positionals)
    const reader = await fileReader(await loadConfig(values, env), readOptions(values))
    const reports: FileReport[] = []
    for (const path of positionals) reports.push(await inspectFile(path, reader.properties(path)))
    if (!values.json) await out(reports.map(describe).join('\n'))
    else await out(`${JSON.stringify(reports.length === 1 ? reports[0] : reports, null, 2)}\n`)
  },
}
