import { describe, expect, it } from 'vitest'
import { MalformedFileError } from '../src/errors.js'
import {
  decodeStruct,
  encodeStruct,
  list,
  struct,
  type ThriftObject,
  UNKNOWN_FIELDS,
} from '../src/thrift/struct-codec.js'

/*
 * The Thrift compact protocol codec (thrift/doc/specs/thrift-compact-protocol.md). Expected bytes are
 * written by hand from that spec: field header = (delta << 4) | type, or type + zigzag varint id when
 * the delta is not 1..15; i16/i32/i64 are zigzag varints; binary is varint length + bytes.
 */

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values)

const Inner = struct('Inner', { 1: ['name', 'string'], 2: ['flag', 'bool'] })
const AllKinds = struct('AllKinds', {
  1: ['yes', 'bool'],
  2: ['no', 'bool'],
  3: ['tiny', 'i8'],
  4: ['short', 'i16'],
  5: ['int', 'i32'],
  6: ['long', 'i64'],
  7: ['real', 'double'],
  8: ['blob', 'binary'],
  9: ['text', 'string'],
  10: ['ints', list('i32')],
  11: ['flags', list('bool')],
  12: ['inners', list(Inner)],
  13: ['inner', Inner],
  40: ['far', 'i32'],
})

interface AllKindsValue extends ThriftObject {
  yes?: boolean
  no?: boolean
  tiny?: number
  short?: number
  int?: number
  long?: number
  real?: number
  blob?: Uint8Array
  text?: string
  ints?: number[]
  flags?: boolean[]
  inners?: { name?: string; flag?: boolean }[]
  inner?: { name?: string; flag?: boolean }
  far?: number
}

const decode = (data: Uint8Array) => decodeStruct<AllKindsValue>(AllKinds, data).value

describe('round trips', () => {
  const full: AllKindsValue = {
    yes: true,
    no: false,
    tiny: -128,
    short: -32768,
    int: -2147483648,
    long: Number.MAX_SAFE_INTEGER,
    real: -0.1,
    blob: bytes(0, 255, 7),
    text: 'päivää ✓',
    ints: Array.from({ length: 20 }, (_, i) => i * 1000 - 7000),
    flags: [true, false, false, true],
    inners: [{ name: 'a', flag: true }, { name: '' }, {}],
    inner: { flag: false },
    far: 2147483647,
  }

  it('decodes what it encodes, for every field kind', () => {
    expect(decode(encodeStruct(AllKinds, full))).toEqual(full)
  })

  it('re-encodes its own output byte for byte', () => {
    const encoded = encodeStruct(AllKinds, full)
    expect(encodeStruct(AllKinds, decode(encoded))).toEqual(encoded)
  })

  it('encodes an empty struct as a single STOP byte', () => {
    expect(encodeStruct(AllKinds, {})).toEqual(bytes(0x00))
  })

  it.each([
    ['i32 5', { int: 5 }, bytes(0x55, 0x0a, 0x00)],
    ['i32 -1', { int: -1 }, bytes(0x55, 0x01, 0x00)],
    ['bool true / false in the header', { yes: true, no: false }, bytes(0x11, 0x12, 0x00)],
    ['string', { text: 'hi' }, bytes(0x98, 0x02, 0x68, 0x69, 0x00)],
    ['double 1.5', { real: 1.5 }, bytes(0x77, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, 0x00)],
    ['nested struct', { inner: { name: 'x' } }, bytes(0xdc, 0x18, 0x01, 0x78, 0x00, 0x00)],
  ])('encodes %s as the spec says', (_what, value, expected) => {
    expect(encodeStruct(AllKinds, value)).toEqual(expected)
    expect(decode(expected)).toEqual(value)
  })

  it('writes lists of 15 or more elements with the long list header', () => {
    const encoded = encodeStruct(AllKinds, { ints: Array.from({ length: 20 }, () => 0) })
    // field 10, type list; then 0xf0 | i32 and the varint count 20.
    expect(encoded.subarray(0, 3)).toEqual(bytes(0xa9, 0xf5, 20))
  })
})

describe('i16', () => {
  it.each([
    [0, [0x00]],
    [-1, [0x01]],
    [1, [0x02]],
    [-2, [0x03]],
    [32767, [0xfe, 0xff, 0x03]],
    [-32768, [0xff, 0xff, 0x03]],
  ])('encodes %i as the zigzag varint %j', (value, varint) => {
    const expected = bytes(0x44, ...varint, 0x00)
    expect(encodeStruct(AllKinds, { short: value })).toEqual(expected)
    expect(decode(expected).short).toBe(value)
  })
})

describe('list<bool>', () => {
  it('decodes one byte per element: 1 is true; 2 (Apache Thrift) and 0 (the spec text) are false', () => {
    // field 11, list; header (count 4 << 4) | bool type 1.
    expect(decode(bytes(0xb9, 0x41, 0x01, 0x02, 0x00, 0x01, 0x00)).flags).toEqual([true, false, false, true])
  })

  it('writes 1 for true and 2 for false, as TCompactProtocol (Java, C++) does', () => {
    expect(encodeStruct(AllKinds, { flags: [true, false] })).toEqual(bytes(0xb9, 0x21, 0x01, 0x02, 0x00))
  })
})

describe('field headers', () => {
  it('decodes the long form when the delta exceeds 15', () => {
    // type i32 (5) with delta 0, then zigzag(40) = 80 as the field id.
    expect(decode(bytes(0x05, 0x50, 0x0a, 0x00))).toEqual({ far: 5 })
  })

  it('encodes a field more than 15 ids after the previous one in the long form', () => {
    expect(encodeStruct(AllKinds, { far: 5 })).toEqual(bytes(0x05, 0x50, 0x0a, 0x00))
    expect(encodeStruct(AllKinds, { int: 1, far: 5 })).toEqual(bytes(0x55, 0x02, 0x05, 0x50, 0x0a, 0x00))
  })

  it('decodes a negative delta (fields out of order) through the long form', () => {
    // field 5 (i32 5), then field 3 (i8 20) written as type 3 + zigzag(3) = 6.
    const outOfOrder = bytes(0x55, 0x0a, 0x03, 0x06, 0x14, 0x00)
    expect(decode(outOfOrder)).toEqual({ int: 5, tiny: 20 })
  })
})

describe('unknown fields', () => {
  const Partial = struct('Partial', { 2: ['int', 'i32'], 5: ['text', 'string'] })
  // Fields 1, 3, 4, 7 and 30 are not in Partial; they cover every kind of value the codec must skip.
  const withUnknown = bytes(
    ...[0x11], // 1: bool true
    ...[0x15, 0x0e], // 2: i32 7
    ...[0x1c, 0x17, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, 0x19, 0x25, 0x02, 0x04, 0x00], // 3: struct {double, list<i32>}
    ...[0x19, 0x21, 0x01, 0x02], // 4: list<bool>
    ...[0x18, 0x02, 0x68, 0x69], // 5: string "hi"
    ...[0x2b, 0x01, 0x85, 0x01, 0x61, 0x02], // 7: map<string, i32> {"a": 1}
    ...[0x06, 0x3c, 0x01], // 30: i64 -1, long-form header
    0x00,
  )

  it('decodes the named fields and keeps the others', () => {
    const { value, end } = decodeStruct<{ int: number; text: string } & ThriftObject>(Partial, withUnknown)
    expect([value.int, value.text]).toEqual([7, 'hi'])
    expect(value[UNKNOWN_FIELDS]?.map((field) => field.id)).toEqual([1, 3, 4, 7, 30])
    expect(end).toBe(withUnknown.length)
  })

  it('writes them back byte for byte', () => {
    const { value } = decodeStruct<ThriftObject>(Partial, withUnknown)
    expect(encodeStruct(Partial, value)).toEqual(withUnknown)
  })

  it('keeps them through a change of a named field', () => {
    const { value } = decodeStruct<{ int: number } & ThriftObject>(Partial, withUnknown)
    const changed = encodeStruct(Partial, { ...value, int: 8 })
    const expected = withUnknown.slice()
    expected[2] = 0x10 // zigzag(8)
    expect(changed).toEqual(expected)
  })

  it('keeps a named field of an unexpected wire type as raw bytes, as Thrift skips it', () => {
    // Field 2 is an i32 in Partial, but here a binary (parquet-mr 1.12 snapshots wrote such fields).
    const mismatched = bytes(0x28, 0x02, 0x41, 0x42, 0x00)
    const { value } = decodeStruct<{ int?: number } & ThriftObject>(Partial, mismatched)
    expect(value.int).toBeUndefined()
    expect(value[UNKNOWN_FIELDS]).toHaveLength(1)
    expect(encodeStruct(Partial, value)).toEqual(mismatched)
    // Setting the named field replaces the raw one.
    expect(encodeStruct(Partial, { ...value, int: 1 })).toEqual(bytes(0x25, 0x02, 0x00))
  })
})

describe('ends and errors', () => {
  const encoded = encodeStruct(AllKinds, { int: 300, text: 'abc', ints: [1, 2, 3], inner: { name: 'n', flag: true } })

  it('ignores trailing zero padding and says where the struct ended (parquet-java pads to 100 bytes)', () => {
    const padded = new Uint8Array(100)
    padded.set(encoded)
    const { value, end } = decodeStruct(AllKinds, padded)
    expect(end).toBe(encoded.length)
    expect(value).toEqual(decode(encoded))
  })

  it('decodes at an offset', () => {
    const shifted = bytes(0xee, 0xee, ...encoded, 0xee)
    const { value, end } = decodeStruct(AllKinds, shifted, 2)
    expect(value).toEqual(decode(encoded))
    expect(end).toBe(2 + encoded.length)
  })

  it('rejects every truncation with MalformedFileError', () => {
    for (let length = 0; length < encoded.length; length++) {
      expect(() => decodeStruct(AllKinds, encoded.subarray(0, length)), `cut at ${length}`).toThrow(MalformedFileError)
    }
  })

  it.each([
    ['a varint longer than 10 bytes', bytes(0x55, ...new Array(11).fill(0xff), 0x01, 0x00)],
    ['an unknown wire type in a skipped field', bytes(0x3d, 0x00)],
    ['a list element of the wrong type', bytes(0xa9, 0x18, 0x01, 0x61, 0x00)],
    ['a binary longer than the data', bytes(0x98, 0x7f, 0x61, 0x00)],
    ['nesting deeper than 64 structs', bytes(...new Array(70).fill(0x1c), ...new Array(70).fill(0x00))],
  ])('rejects %s with MalformedFileError', (_what, data) => {
    expect(() => decodeStruct(AllKinds, data)).toThrow(MalformedFileError)
  })
})
