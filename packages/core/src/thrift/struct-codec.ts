import { MalformedFileError } from '../errors.js'
import { CompactReader } from './compact-reader.js'
import { CompactType } from './compact-types.js'
import { CompactWriter } from './compact-writer.js'

/**
 * Declarative Thrift struct definitions. A struct decodes to a plain object keyed by field name;
 * fields the definition does not name are kept as raw bytes under UNKNOWN_FIELDS and written back
 * unchanged, so a decode/encode round trip never loses data from newer writers.
 */
export type FieldKind = 'bool' | 'i8' | 'i16' | 'i32' | 'i64' | 'double' | 'binary' | 'string' | ListKind | StructDef

export interface ListKind {
  readonly list: FieldKind
}

/** A field the spec marks `required`: decoding fails when it is absent, so no reader sees undefined. */
export type Presence = 'required' | 'optional'

export interface StructDef {
  readonly name: string
  readonly fields: Readonly<Record<number, readonly [name: string, kind: FieldKind, presence?: Presence]>>
}

export const UNKNOWN_FIELDS: unique symbol = Symbol('thrift unknown fields')

export interface UnknownField {
  readonly id: number
  readonly type: number
  readonly raw: Uint8Array
}

export interface ThriftObject {
  [UNKNOWN_FIELDS]?: readonly UnknownField[]
}

export function struct(name: string, fields: StructDef['fields']): StructDef {
  return { name, fields }
}

export function list(kind: FieldKind): ListKind {
  return { list: kind }
}

function isList(kind: FieldKind): kind is ListKind {
  return typeof kind === 'object' && 'list' in kind
}

function compactType(kind: FieldKind): number {
  if (isList(kind)) return CompactType.List
  if (typeof kind === 'object') return CompactType.Struct
  switch (kind) {
    case 'bool':
      return CompactType.BoolTrue
    case 'i8':
      return CompactType.Byte
    case 'i16':
      return CompactType.I16
    case 'i32':
      return CompactType.I32
    case 'i64':
      return CompactType.I64
    case 'double':
      return CompactType.Double
    case 'binary':
    case 'string':
      return CompactType.Binary
  }
}

const utf8 = new TextDecoder()
const utf8Encoder = new TextEncoder()

function typeMatches(kind: FieldKind, wireType: number): boolean {
  const expected = compactType(kind)
  if (expected === CompactType.BoolTrue) return wireType === CompactType.BoolTrue || wireType === CompactType.BoolFalse
  if (expected === CompactType.List) return wireType === CompactType.List || wireType === CompactType.Set
  return expected === wireType
}

function readValue(reader: CompactReader, kind: FieldKind, wireType: number, depth: number): unknown {
  if (isList(kind)) {
    const [elementType, count] = reader.listHeader()
    // Every element takes at least one byte: a larger count is a lie, refused before the loop.
    if (count > reader.bytes.length - reader.offset) {
      throw new MalformedFileError(`thrift list of ${count} elements is longer than its data`)
    }
    const values: unknown[] = []
    for (let i = 0; i < count; i++) values.push(readElement(reader, kind.list, elementType, depth + 1))
    return values
  }
  if (typeof kind === 'object') return readStruct(reader, kind, depth + 1)
  switch (kind) {
    case 'bool':
      return wireType === CompactType.BoolTrue
    case 'i8': {
      const b = reader.byte()
      return b > 127 ? b - 256 : b
    }
    case 'i16':
    case 'i32':
    case 'i64':
      return reader.int()
    case 'double':
      return reader.double()
    case 'binary':
      return reader.binary()
    case 'string':
      return utf8.decode(reader.binary())
  }
}

function readElement(reader: CompactReader, kind: FieldKind, elementType: number, depth: number): unknown {
  if (!typeMatches(kind, elementType)) {
    throw new MalformedFileError(`thrift list element type ${elementType} does not match the schema`)
  }
  if (kind === 'bool') return reader.byte() === CompactType.BoolTrue
  return readValue(reader, kind, elementType, depth)
}

function readStruct(reader: CompactReader, def: StructDef, depth: number): Record<string, unknown> {
  if (depth > 64) throw new MalformedFileError('thrift nesting too deep')
  const out: Record<string, unknown> & ThriftObject = {}
  const unknown: UnknownField[] = []
  let lastId = 0
  for (;;) {
    const header = reader.fieldHeader(lastId)
    if (header === undefined) break
    const [id, wireType] = header
    lastId = id
    const field = def.fields[id]
    if (field && typeMatches(field[1], wireType)) {
      out[field[0]] = readValue(reader, field[1], wireType, depth)
    } else {
      // Unnamed fields, and named ones of another type (Thrift skips those too: a parquet-mr 1.12
      // snapshot wrote a list as ColumnMetaData field 15), are kept as raw bytes.
      const start = reader.offset
      reader.skip(wireType, depth)
      unknown.push({ id, type: wireType, raw: reader.bytes.slice(start, reader.offset) })
    }
  }
  for (const [name, , presence] of Object.values(def.fields)) {
    if (presence === 'required' && out[name] === undefined) {
      throw new MalformedFileError(`thrift ${def.name} lacks its required field ${name}`)
    }
  }
  if (unknown.length > 0) out[UNKNOWN_FIELDS] = unknown
  return out
}

/**
 * Decodes one struct at `offset`. Returns the value and the offset just past it: trailing bytes are
 * not an error, because parquet-java pads encrypted Thrift modules with zeros.
 */
export function decodeStruct<T>(def: StructDef, bytes: Uint8Array, offset = 0): { value: T; end: number } {
  const reader = new CompactReader(bytes, offset)
  const value = readStruct(reader, def, 0) as T
  return { value, end: reader.offset }
}

function writeValue(writer: CompactWriter, kind: FieldKind, value: unknown): void {
  if (isList(kind)) {
    const values = value as readonly unknown[]
    writer.listHeader(compactType(kind.list), values.length)
    for (const element of values) {
      if (kind.list === 'bool') writer.byte(element ? CompactType.BoolTrue : CompactType.BoolFalse)
      else writeValue(writer, kind.list, element)
    }
    return
  }
  if (typeof kind === 'object') {
    writeStruct(writer, kind, value as Record<string, unknown> & ThriftObject)
    return
  }
  switch (kind) {
    case 'bool':
      return // carried by the field header
    case 'i8':
      writer.byte(value as number)
      return
    case 'i16':
    case 'i32':
    case 'i64':
      writer.zigzag(value as number | bigint)
      return
    case 'double':
      writer.double(value as number)
      return
    case 'binary':
      writer.binary(value as Uint8Array)
      return
    case 'string':
      writer.binary(utf8Encoder.encode(value as string))
      return
  }
}

function writeStruct(writer: CompactWriter, def: StructDef, value: Record<string, unknown> & ThriftObject): void {
  type Entry = { id: number; write: (lastId: number) => void }
  const entries: Entry[] = []
  for (const [idText, [name, kind]] of Object.entries(def.fields)) {
    const fieldValue = value[name]
    if (fieldValue === undefined || fieldValue === null) continue
    const id = Number(idText)
    entries.push({
      id,
      write: (lastId) => {
        const type = kind === 'bool' ? (fieldValue ? CompactType.BoolTrue : CompactType.BoolFalse) : compactType(kind)
        writer.fieldHeader(id, type, lastId)
        writeValue(writer, kind, fieldValue)
      },
    })
  }
  for (const field of value[UNKNOWN_FIELDS] ?? []) {
    const named = def.fields[field.id]
    if (named && value[named[0]] !== undefined && value[named[0]] !== null) continue // set explicitly: it wins
    entries.push({
      id: field.id,
      write: (lastId) => {
        writer.fieldHeader(field.id, field.type, lastId)
        writer.bytes(field.raw)
      },
    })
  }
  entries.sort((a, b) => a.id - b.id)
  let lastId = 0
  for (const entry of entries) {
    entry.write(lastId)
    lastId = entry.id
  }
  writer.stop()
}

export function encodeStruct(def: StructDef, value: object): Uint8Array {
  const writer = new CompactWriter()
  writeStruct(writer, def, value as Record<string, unknown> & ThriftObject)
  return writer.finish()
}
