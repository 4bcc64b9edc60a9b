import { CompactType } from './compact-types.js'

/** Grows a byte buffer with Thrift compact protocol values. */
export class CompactWriter {
  private buffer = new Uint8Array(256)
  private length = 0

  private reserve(count: number): void {
    if (this.length + count <= this.buffer.length) return
    let capacity = this.buffer.length * 2
    while (capacity < this.length + count) capacity *= 2
    const grown = new Uint8Array(capacity)
    grown.set(this.buffer.subarray(0, this.length))
    this.buffer = grown
  }

  byte(value: number): void {
    this.reserve(1)
    this.buffer[this.length++] = value & 0xff
  }

  bytes(value: Uint8Array): void {
    this.reserve(value.length)
    this.buffer.set(value, this.length)
    this.length += value.length
  }

  varint(value: bigint): void {
    let rest = value
    while (rest >= 0x80n) {
      this.byte(Number(rest & 0x7fn) | 0x80)
      rest >>= 7n
    }
    this.byte(Number(rest))
  }

  zigzag(value: number | bigint): void {
    const n = BigInt(value)
    this.varint(n >= 0n ? n << 1n : (-n << 1n) - 1n)
  }

  double(value: number): void {
    const bytes = new Uint8Array(8)
    new DataView(bytes.buffer).setFloat64(0, value, true)
    this.bytes(bytes)
  }

  binary(value: Uint8Array): void {
    this.varint(BigInt(value.length))
    this.bytes(value)
  }

  listHeader(elementType: number, count: number): void {
    if (count < 15) {
      this.byte((count << 4) | elementType)
    } else {
      this.byte(0xf0 | elementType)
      this.varint(BigInt(count))
    }
  }

  fieldHeader(id: number, type: number, lastId: number): void {
    const delta = id - lastId
    if (delta > 0 && delta <= 15) {
      this.byte((delta << 4) | type)
    } else {
      this.byte(type)
      this.zigzag(id)
    }
  }

  stop(): void {
    this.byte(CompactType.Stop)
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length)
  }
}
