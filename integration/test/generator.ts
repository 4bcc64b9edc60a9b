/**
 * Expected contents of the 128-bit parquet-testing encryption files, computed from the writer's
 * generator (apache/arrow cpp/src/parquet/encryption/test_encryption_util.cc, FileEncryptor::EncryptFile
 * and GenerateSampleData) and expressed in the JSON shape printed by python/read_plain.py.
 */

export const ROWS = 50

/** The 8 leaf columns, in schema order (pme-reference §8). */
export const COLUMNS = [
  'boolean_field',
  'int32_field',
  'int64_field',
  'int96_field',
  'float_field',
  'double_field',
  'ba_field',
  'flba_field',
] as const

export type ColumnName = (typeof COLUMNS)[number]

const rows = (): number[] => Array.from({ length: ROWS }, (_, i) => i)

/** `bool value = (i % 2) == 0` */
export const booleanField = (i: number): boolean => i % 2 === 0

/** INT32 TIME_MILLIS: `i` (read_plain prints the millisecond integer). */
export const int32Field = (i: number): number => i

/**
 * REPEATED INT64: the writer emits 2*ROWS values `k * 1000 * 1000 * 1000 * 1000` for k = 0..2*ROWS-1
 * with repetition level 0 on even k, so row i holds k = 2i and 2i+1. Printed as decimal strings.
 */
export const int64Field = (i: number): string[] =>
  [2 * i, 2 * i + 1].map((k) => (BigInt(k) * 1_000_000n * 1_000_000n).toString())

/** INT96 words `value[0] = i, value[1] = i + 1, value[2] = i + 2`. */
export const int96Words = (i: number): [number, number, number] => [i, i + 1, i + 2]

const JULIAN_UNIX_EPOCH_DAY = 2_440_588n
const NS_PER_DAY = 86_400n * 1_000_000_000n

/** The true instant of an INT96 value in ns: (julian_day - 2440588) * 86400e9 + nanos (words 0,1 as u64). */
export function int96TrueNanos(i: number): bigint {
  const [lo, hi, julianDay] = int96Words(i)
  return (BigInt(julianDay) - JULIAN_UNIX_EPOCH_DAY) * NS_PER_DAY + (BigInt(hi) << 32n) + BigInt(lo)
}

/** What Arrow returns for coerce_int96_timestamp_unit='ns': the same sum in wrapping u64 arithmetic, as int64. */
export const int96ArrowNanos = (i: number): string => BigInt.asIntN(64, int96TrueNanos(i)).toString()

/** `static_cast<float>(i) * 1.1f`: a float32 product; the exact product fits a double, so one fround is exact. */
export const floatField = (i: number): number => Math.fround(Math.fround(i) * Math.fround(1.1))

/** `double value = i * 1.1111111` */
export const doubleField = (i: number): number => i * 1.1111111

/** OPTIONAL BYTE_ARRAY: 10 bytes "parquet" + 3 digits of i on even rows, null on odd rows (printed as hex). */
export const baField = (i: number): string | null =>
  i % 2 === 0 ? Buffer.from(`parquet${String(i).padStart(3, '0')}`, 'ascii').toString('hex') : null

/** FLBA(10): 10 bytes each equal to `static_cast<char>(i)` (printed as hex). */
export const flbaField = (i: number): string => Buffer.alloc(10, i).toString('hex')

/** Per column, the values read_plain.py should print for all rows. */
export function expectedValues(): Record<ColumnName, unknown[]> {
  return {
    boolean_field: rows().map(booleanField),
    int32_field: rows().map(int32Field),
    int64_field: rows().map(int64Field),
    int96_field: rows().map(int96ArrowNanos),
    float_field: rows().map(floatField),
    double_field: rows().map(doubleField),
    ba_field: rows().map(baField),
    flba_field: rows().map(flbaField),
  }
}

export const expectedInt96 = () => ({
  ns: rows().map((i) => int96TrueNanos(i).toString()),
  words: rows().map(int96Words),
})

/** min / max / null count of a generated column, for the statistics checks. */
export function numericStats(f: (i: number) => number): { min: number; max: number } {
  const values = rows().map(f)
  return { min: Math.min(...values), max: Math.max(...values) }
}

export const nullCount = (f: (i: number) => unknown): number => rows().filter((i) => f(i) === null).length
