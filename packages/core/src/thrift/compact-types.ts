/** Compact protocol type ids (thrift/doc/specs/thrift-compact-protocol.md). */
export const CompactType = {
  Stop: 0,
  BoolTrue: 1,
  BoolFalse: 2,
  Byte: 3,
  I16: 4,
  I32: 5,
  I64: 6,
  Double: 7,
  Binary: 8,
  List: 9,
  Set: 10,
  Map: 11,
  Struct: 12,
} as const
export type CompactType = (typeof CompactType)[keyof typeof CompactType]
