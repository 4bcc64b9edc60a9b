import { MalformedFileError } from '../errors.js'
import { CompactType } from './compact-types.js'

const MAX_DEPTH = 64

/** A cursor over Thrift compact protocol bytes. Every read checks bounds. */
export class CompactReader {
  offset: number
  private readonly view: DataView

  constructor(
    readonly bytes: Uint8Array,
    offset = 0,
  ) {
    this.offset = offset
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  private need(count: number): void {
    if (this.offset + count > this.bytes.length) {
      throw new MalformedFileError('thrift data ends in the middle of a value')
    }
  }

  byte(): number {
    this.need(1)
    return this.bytes[this.offset++] as number
  }

  varint(): bigint {
    let result = 0n
    let shift = 0n
    for (;;) {
      const b = this.byte()
      result |= BigInt(b & 0x7f) << shift
      if ((b & 0x80) === 0) return result
      shift += 7n
      if (shift > 63n) throw new MalformedFileError('thrift varint longer than 10 bytes')
    }
  }

  /** An unsigned varint that must fit a JS number (lengths, sizes). */
  size(): number {
    const value = this.varint()
    if (value > BigInt(this.bytes.length)) throw new MalformedFileError(`thrift length ${value} exceeds the data`)
    return Number(value)
  }

  zigzag(): bigint {
    const n = this.varint()
    return (n >> 1n) ^ -(n & 1n)
  }

  int(): number {
    const value = this.zigzag()
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new MalformedFileError(`thrift integer ${value} is out of range`)
    }
    return Number(value)
  }

  double(): number {
    this.need(8)
    const value = this.view.getFloat64(this.offset, true)
    this.offset += 8
    return value
  }

  binary(): Uint8Array {
    const length = this.size()
    this.need(length)
    const value = this.bytes.subarray(this.offset, this.offset + length)
    this.offset += length
    return value
  }

  /** Returns [element type, count]. */
  listHeader(): [number, number] {
    const header = this.byte()
    const shortCount = header >> 4
    const count = shortCount === 15 ? this.size() : shortCount
    return [header & 0x0f, count]
  }

  /** Skips a value of the given type without decoding it. */
  skip(type: number, depth = 0): void {
    if (depth > MAX_DEPTH) throw new MalformedFileError('thrift nesting too deep')
    switch (type) {
      case CompactType.BoolTrue:
      case CompactType.BoolFalse:
        return
      case CompactType.Byte:
        this.byte()
        return
      case CompactType.I16:
      case CompactType.I32:
      case CompactType.I64:
        this.varint()
        return
      case CompactType.Double:
        this.need(8)
        this.offset += 8
        return
      case CompactType.Binary:
        this.binary()
        return
      case CompactType.List:
      case CompactType.Set: {
        const [elementType, count] = this.listHeader()
        for (let i = 0; i < count; i++) this.skipElement(elementType, depth + 1)
        return
      }
      case CompactType.Map: {
        const count = this.size()
        if (count === 0) return
        const types = this.byte()
        for (let i = 0; i < count; i++) {
          this.skipElement(types >> 4, depth + 1)
          this.skipElement(types & 0x0f, depth + 1)
        }
        return
      }
      case CompactType.Struct:
        this.skipStruct(depth + 1)
        return
      default:
        throw new MalformedFileError(`unknown thrift type ${type}`)
    }
  }

  /** Booleans inside containers take one byte, unlike booleans in field headers. */
  private skipElement(type: number, depth: number): void {
    if (type === CompactType.BoolTrue || type === CompactType.BoolFalse) this.byte()
    else this.skip(type, depth)
  }

  private skipStruct(depth: number): void {
    let lastId = 0
    for (;;) {
      const field = this.fieldHeader(lastId)
      if (field === undefined) return
      lastId = field[0]
      this.skip(field[1], depth)
    }
  }

  /** Returns [field id, type], or undefined at the struct's STOP byte. */
  fieldHeader(lastId: number): [number, number] | undefined {
    const header = this.byte()
    if (header === CompactType.Stop) return undefined
    const delta = header >> 4
    const id = delta === 0 ? this.int() : lastId + delta
    return [id, header & 0x0f]
  }
}
