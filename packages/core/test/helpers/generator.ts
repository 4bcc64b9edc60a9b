/*
 * The rows the parquet-testing encrypted files hold, computed from the C++ generator
 * (arrow cpp/src/parquet/encryption/test_encryption_util.cc, FileEncryptor::EncryptFile), not from a read.
 */
import type { Row } from '../../src/read/read-parquet.js'

export const ROWS = 50

/** Julian day of 1970-01-01: INT96 timestamps count days from the Julian epoch. */
const JULIAN_UNIX_EPOCH = 2440588n
const NANOS_PER_DAY = 86_400_000_000_000n

/**
 * INT96 of row i is three little-endian u32 words [i, i+1, i+2]: the low 64 bits are nanoseconds of
 * the day, the high 32 bits the Julian day. hyparquet's default parser turns nanoseconds into a Date
 * with millisecond precision (BigInt division, truncating).
 */
export function int96Nanos(words: readonly [number, number, number]): bigint {
  const nanosOfDay = BigInt(words[0]) | (BigInt(words[1]) << 32n)
  return (BigInt(words[2]) - JULIAN_UNIX_EPOCH) * NANOS_PER_DAY + nanosOfDay
}

export function expectedRow(i: number): Row {
  const digits = String(i).padStart(3, '0')
  return {
    boolean_field: i % 2 === 0,
    int32_field: i,
    // Two values per row: the generator writes value j = j * 10^12 for j in 0..2*rows-1.
    int64_field: [BigInt(2 * i) * 10n ** 12n, BigInt(2 * i + 1) * 10n ** 12n],
    int96_field: new Date(Number(int96Nanos([i, i + 1, i + 2]) / 1_000_000n)),
    // static_cast<float>(i) * 1.1f: a float32 product.
    float_field: Math.fround(Math.fround(i) * Math.fround(1.1)),
    double_field: i * 1.1111111,
    ba_field: i % 2 === 0 ? `parquet${digits}` : null,
    flba_field: new Uint8Array(10).fill(i),
  }
}

export function expectedRows(columns?: readonly string[]): Row[] {
  return Array.from({ length: ROWS }, (_, i) => {
    const row = expectedRow(i)
    if (!columns) return row
    return Object.fromEntries(columns.map((column) => [column, row[column]]))
  })
}
