import type { ReadOptions } from '@pme/core'

/** A timestamp kept to its unit (ms, µs, ns): ISO 8601 UTC with 3, 6 or 9 fractional digits. */
export class Timestamp {
  constructor(
    readonly ticks: bigint,
    readonly digits: 3 | 6 | 9,
  ) {}

  toString(): string {
    const unit = 10n ** BigInt(this.digits)
    let seconds = this.ticks / unit
    let fraction = this.ticks % unit
    if (fraction < 0n) {
      fraction += unit
      seconds -= 1n
    }
    const date = new Date(Number(seconds) * 1000)
    // Beyond what a Date can show (±275760 years): the raw count, which loses nothing.
    if (Number.isNaN(date.getTime())) return `${this.ticks} (${['ms', 'µs', 'ns'][this.digits / 3 - 1]} since 1970)`
    return `${date.toISOString().slice(0, -5)}.${fraction.toString().padStart(this.digits, '0')}Z`
  }
}

/** A DATE: days since 1970-01-01, printed as YYYY-MM-DD (not as a midnight timestamp). */
export class CalendarDate {
  constructor(readonly days: number) {}

  toString(): string {
    const date = new Date(this.days * 86_400_000)
    return Number.isNaN(date.getTime()) ? `${this.days} (days since 1970)` : date.toISOString().slice(0, 10)
  }
}

/** hyparquet parsers that keep timestamps to their unit and dates as dates. */
export const exactParsers: NonNullable<ReadOptions['parsers']> = {
  timestampFromMilliseconds: (ticks) => new Timestamp(BigInt(ticks), 3),
  timestampFromMicroseconds: (ticks) => new Timestamp(BigInt(ticks), 6),
  timestampFromNanoseconds: (ticks) => new Timestamp(BigInt(ticks), 9),
  dateFromDays: (days) => new CalendarDate(days),
}

/**
 * Turns decoded Parquet values into JSON-friendly ones: 64-bit integers beyond 2^53 become decimal
 * strings, bytes hex, timestamps and dates ISO 8601 text (exact decimals already are text).
 */
export function toPlain(value: unknown): unknown {
  if (value === null || value === undefined) return null
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString()
  }
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex')
  if (value instanceof Timestamp || value instanceof CalendarDate) return value.toString()
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString()
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return Array.from(value as ArrayLike<unknown>, toPlain)
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
