import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { readParquet } from '../src/read/read-parquet.js'

/*
 * A file written by parquet-java 1.17.0 (integration/interop/java, job "nodict": WriterVersion.PARQUET_2_0,
 * explicit keys, footer key "0123456789012345" = kf, column `s` under "1234567890123450" = kc1):
 * DATA_PAGE_V2 pages of nullable and repeated columns, framed the Java way: levels in plaintext, then
 * one encrypted module of the values (pme-reference §5). The first level bytes, read as a module
 * length, claim far more than the page holds; that must not stop the reader from trying this framing.
 */
const file = new Uint8Array(readFileSync(new URL('./vectors/parquet-java-v2-levels.parquet', import.meta.url)))
const ascii = (text: string) => new Uint8Array(Buffer.from(text, 'ascii'))

describe('parquet-java V2 pages with levels', () => {
  it('reads every value (the job wrote a = 1, null, 3; s = "x", null, "z"; l = [1, null], [], null)', async () => {
    const rows = await readParquet(file, {
      footerKey: ascii('0123456789012345'),
      columnKeys: { s: ascii('1234567890123450') },
    })
    expect(rows.map((row) => row.a ?? null)).toEqual([1, null, 3])
    expect(rows.map((row) => row.s ?? null)).toEqual(['x', null, 'z'])
    expect(rows.map((row) => row.l ?? null)).toEqual([[1n, null], [], null])
  })

  it('still fails closed on a wrong column key', async () => {
    const wrong = { footerKey: ascii('0123456789012345'), columnKeys: { s: ascii('0000000000000001') } }
    await expect(readParquet(file, wrong)).rejects.toThrow(/tag mismatch/)
  })
})
