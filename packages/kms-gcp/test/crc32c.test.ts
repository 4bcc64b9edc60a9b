import { describe, expect, it } from 'vitest'
import { crc32c } from '../src/index.js'

// Vectors: RFC 3720 (iSCSI) appendix B.4 and the CRC catalogue's check value for "123456789".
describe('crc32c', () => {
  it.each([
    ['empty', new Uint8Array(0), 0x00000000],
    ['"123456789"', new Uint8Array(Buffer.from('123456789')), 0xe3069283],
    ['32 zero bytes', new Uint8Array(32), 0x8a9136aa],
    ['32 bytes of 0xff', new Uint8Array(32).fill(0xff), 0x62a8ab43],
    ['32 ascending bytes', Uint8Array.from({ length: 32 }, (_, i) => i), 0x46dd794e],
    ['32 descending bytes', Uint8Array.from({ length: 32 }, (_, i) => 31 - i), 0x113fdb5c],
  ])('%s', (_name, data, expected) => {
    expect(crc32c(data)).toBe(expected)
  })
})
