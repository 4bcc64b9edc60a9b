import { ParquetFile, type Row, readParquetRowGroups, UsageError } from '@pme/core'
import { fileReader, keyOptionHelp, keyOptionSpec, readOptions } from '../key-options.js'
import { loadConfig } from '../kms.js'
import { ROW_FORMATS, type RowFormat, renderRows } from '../row-writers.js'
import type { Command } from './command.js'

export const catCommand: Command = {
  name: 'cat',
  summary: 'print the rows of a Parquet file, decrypting what the keys open',
  usage: `pme cat <file> [--columns a,b.c] [--limit n] [--format jsonl|csv|table]
${keyOptionHelp}`,
  examples: [
    'pme cat people.enc.parquet --columns id,first_name --limit 10 --format table --key-list "$KEYS"',
    'pme cat people.enc.parquet --kms http --kms-instance-url http://127.0.0.1:8001 --access-token CONFIDENTIAL',
  ],
  options: {
    ...keyOptionSpec,
    columns: { type: 'string' },
    limit: { type: 'string' },
    format: { type: 'string', default: 'jsonl' },
  },
  async run({ positionals, values, env, out }) {
    const [path, ...extra] = positionals
    if (!path || extra.length > 0) throw new UsageError('cat takes exactly one file')
    const format = values.format as RowFormat
    if (!ROW_FORMATS.includes(format)) throw new UsageError(`--format must be one of ${ROW_FORMATS.join(', ')}`)
    const limit = values.limit === undefined ? Number.POSITIVE_INFINITY : Number(values.limit)
    if (!Number.isInteger(limit) && limit !== Number.POSITIVE_INFINITY)
      throw new UsageError('--limit must be an integer')
    if (limit < 0) throw new UsageError('--limit must not be negative')
    const requested = (values.columns as string | undefined)?.split(',').map((name) => name.trim())
    const reader = await fileReader(await loadConfig(values, env), readOptions(values))
    const props = reader.properties(path)
    const file = await ParquetFile.open(path, props)
    const names = requested?.map((name) => name.split('.')[0] as string) ?? [
      ...new Set(file.leaves.map((l) => l.path[0] as string)),
    ]
    const columns = [...new Set(names)]
    const rows: Row[] = []
    let printed = 0
    let header = true
    // Row groups are decrypted one at a time and only as far as --limit needs.
    const only = { ...(requested ? { columns: requested } : {}), ...(Number.isFinite(limit) ? { limit } : {}) }
    for await (const group of readParquetRowGroups(file, { ...props, ...only })) {
      const take = group.slice(0, limit - printed)
      printed += take.length
      if (format === 'table') for (const row of take) rows.push(row)
      else if (take.length > 0) {
        await out(renderRows(take, columns, format, header))
        header = false
      }
      if (printed >= limit) break
    }
    if (format === 'table') await out(renderRows(rows, columns, format, true))
  },
}
