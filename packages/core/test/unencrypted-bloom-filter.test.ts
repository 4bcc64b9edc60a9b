import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { IntegrityError } from '../src/errors.js'
import { readBloomFilterBytes } from '../src/read/column-indexes.js'
import { ParquetFile } from '../src/read/parquet-file.js'
import { readParquet } from '../src/read/read-parquet.js'
import { decryptFile } from '../src/transform/decrypt-file.js'
import { writeParquet } from '../src/write/parquet-writer.js'

/*
 * arrow-rs (the Rust parquet crate, 60 and earlier) writes the bloom filters of encrypted columns
 * unencrypted, against the spec (modules 8 and 9 are encrypted with the column key). Such a file is
 * made here from a pme file: the filter's header and bitset modules are overwritten by the plaintext
 * filter, at the same offset, as arrow-rs places it. Reading and decrypting succeed, the filter is left
 * out of the output with a warning naming the column; `strict` refuses the file.
 */
const ascii = (text: string) => new TextEncoder().encode(text)
const footerKey = ascii('0123456789012345')
const columnKey = ascii('1234567890123450')
const keys = { footerKey, columnKeys: { name: columnKey } }
let dir: string
let arrowRs: string
let pmeFile: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pme-bloom-'))
  pmeFile = join(dir, 'pme.parquet')
  const rows = Array.from({ length: 50 }, (_, i) => ({ id: i, name: `name ${i % 7}` }))
  await writeParquet(
    pmeFile,
    { rows },
    {
      bloomFilters: ['name'],
      encryption: {
        footerKey: { key: footerKey, keyMetadata: ascii('kf') },
        columnKeys: { name: { key: columnKey, keyMetadata: ascii('kc') } },
      },
    },
  )
  const file = await ParquetFile.open(pmeFile, keys)
  const meta = await file.columnMetaData(0, 1)
  const filter = await readBloomFilterBytes(file, 0, 1, meta)
  expect(filter).toBeDefined()
  const bytes = new Uint8Array(readFileSync(pmeFile))
  bytes.set(filter as Uint8Array, meta.bloom_filter_offset as number)
  arrowRs = join(dir, 'arrow-rs.parquet')
  writeFileSync(arrowRs, bytes)
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('a bloom filter of an encrypted column stored unencrypted (arrow-rs)', () => {
  it('reads the rows', async () => {
    expect(await readParquet(arrowRs, keys)).toEqual(await readParquet(pmeFile, keys))
  })

  it('decrypts, leaving the filter out of the output with a warning that names the column', async () => {
    const warnings: string[] = []
    const output = join(dir, 'plain.parquet')
    await decryptFile(arrowRs, output, { ...keys, onWarning: (message) => warnings.push(message) })
    expect(warnings).toEqual([expect.stringMatching(/bloom filter of encrypted column name is stored unencrypted/)])
    const plain = await ParquetFile.open(output)
    expect((await plain.columnMetaData(0, 1)).bloom_filter_offset).toBeUndefined()
    expect(await readParquet(output)).toEqual(await readParquet(pmeFile, keys))
  })

  it('is refused under strict', async () => {
    const attempt = decryptFile(arrowRs, join(dir, 'strict.parquet'), { ...keys, strict: true })
    await expect(attempt).rejects.toThrow(IntegrityError)
    await expect(attempt).rejects.toThrow(/column name.*refused \(strict\)/)
  })

  it('an encrypted filter that was tampered with still fails, it is not taken for an arrow-rs one', async () => {
    const file = await ParquetFile.open(pmeFile, keys)
    const offset = (await file.columnMetaData(0, 1)).bloom_filter_offset as number
    const bytes = new Uint8Array(readFileSync(pmeFile))
    bytes[offset + 20] = (bytes[offset + 20] as number) ^ 1
    const tampered = join(dir, 'tampered.parquet')
    writeFileSync(tampered, bytes)
    await expect(decryptFile(tampered, join(dir, 'out.parquet'), keys)).rejects.toThrow(IntegrityError)
  })
})
