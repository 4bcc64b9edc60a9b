import { UsageError } from '../errors.js'

/**
 * Parses parquet-java's `parquet.encryption.column.keys` format, `"mk1:col,col;mk2:col"` (pyarrow's
 * `"mk1: col, col; mk2: col"` too), into [key id, columns] groups in the string's order: the key
 * tools number external key references ("columnKey0"...) in that order. A column listed twice is an error.
 */
export function parseColumnKeys(text: string): [string, string[]][] {
  const groups: [string, string[]][] = []
  const seen = new Set<string>()
  for (const group of text.split(';')) {
    if (group.trim() === '') continue
    const colon = group.indexOf(':')
    if (colon < 0) throw new UsageError(`column keys entry "${group.trim()}" has no "keyId:columns" form`)
    const keyId = group.slice(0, colon).trim()
    const columns = group
      .slice(colon + 1)
      .split(',')
      .map((column) => column.trim())
      .filter((column) => column !== '')
    if (keyId === '') throw new UsageError('column keys entry has an empty key id')
    if (columns.length === 0) throw new UsageError(`column keys entry for "${keyId}" lists no columns`)
    for (const column of columns) {
      if (seen.has(column)) throw new UsageError(`column "${column}" appears twice in the column keys`)
      seen.add(column)
    }
    groups.push([keyId, columns])
  }
  return groups
}
