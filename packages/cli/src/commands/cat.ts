import { ParquetFile, readParquetRowGroups, UsageError } from '@pme/core'
import { fileReader, keyOptionHelp, keyOptionSpec, readOptions } from '../key-options.js'
import { loadConfig } from '../kms.js'
import { checkInputFiles } from '../output-paths.js'
import { ROW_FORMATS, type RowFormat, rowWriter } from '../row-writers.js'
import { exactParsers } from '../values.js'
import type { Command } from './command.js'

export const catCommand: Command = {
  name: 'cat',
  summary: 'print the rows of a Parquet file, decrypting what the keys open',
  usage: `pme cat <file> [--columns a,b.c] [--limit n] [--format jsonl|csv|table]
  Columns print in the order --columns gives. Values are exact: 64-bit integers beyond 2^53 as
  strings (in JSON), decimals digit for digit, timestamps in ISO 8601 to their unit (ms, µs, ns),
  dates as YYYY-MM-DD, binary as hex. Every format streams, one row group at a time.
${keyOptionHelp}`,
  examples: [
    'pme cat people.enc.parquet --columns id,first_name --limit 10 --format table --key-list-file keys.txt',
    'pme cat people.enc.parquet --kms http --kms-instance-url http://127.0.0.1:8001 --access-token-file token.txt',
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
    await checkInputFiles([path])
    const reader = await fileReader(await loadConfig(values, env), readOptions(values))
    const props = reader.properties(path)
    const file = await ParquetFile.open(path, props)
    const names = requested?.map((name) => name.split('.')[0] as string) ?? [
      ...new Set(file.leaves.map((l) => l.path[0] as string)),
    ]
    const writer = rowWriter(format, [...new Set(names)])
    const options = {
      ...props,
      ...(requested ? { columns: requested } : {}),
      parsers: exactParsers,
      utf8: false, // bytes not annotated as text are binary: printed as hex
      exactDecimals: true,
      ...(Number.isFinite(limit) ? { limit } : {}),
    }
    let printed = 0
    // Row groups are decrypted one at a time and only as far as --limit needs.
    for await (const group of readParquetRowGroups(file, options)) {
      const take = group.slice(0, limit - printed)
      printed += take.length
      if (take.length > 0) await out(writer.rows(take))
      if (printed >= limit) break
    }
    const rest = writer.end()
    if (rest) await out(rest)
  },
}
