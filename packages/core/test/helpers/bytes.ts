import { expect } from 'vitest'

/**
 * expect(actual).toEqual(expected) for byte arrays, fast on megabytes (toEqual walks them element by
 * element): equal length and content, else the first index where they differ.
 */
export function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length, 'byte length').toBe(expected.length)
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength)
  const b = Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength)
  if (a.equals(b)) return
  const first = a.findIndex((byte, i) => byte !== b[i])
  expect(a[first], `byte ${first}`).toBe(b[first])
}
