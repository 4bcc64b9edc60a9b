/** Turns decoded Parquet values into JSON-friendly ones: bigint, bytes and dates become text. */
export function toPlain(value: unknown): unknown {
  if (value === null || value === undefined) return null
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString()
  }
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex')
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString()
  if (Array.isArray(value)) return value.map(toPlain)
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, toPlain(inner)]))
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value)
  return value
}

/** One cell as text: scalars as they are, nested values as JSON. */
export function cellText(value: unknown): string {
  const plain = toPlain(value)
  if (plain === null) return ''
  return typeof plain === 'object' ? JSON.stringify(plain) : String(plain)
}
