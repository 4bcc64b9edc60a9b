import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { decryptFile, ParquetFile, writeParquet } from '@pme/core'
import { describe, expect, it } from 'vitest'
import { b64, tempDir } from './fixtures.js'
import { pme } from './run-pme.js'

/*
 * `pme decrypt` of a file whose encrypted column has its bloom filter stored unencrypted, as arrow-rs
 * writes them: made from a pme file by writing the plaintext filter over the filter's modules.
 */
const ascii = (text: string) => new TextEncoder().encode(text)
const footerKey = ascii('0123456789012345')
const columnKey = ascii('1234567890123450')
const keyList = `kf: ${b64('0123456789012345')}, kc: ${b64('1234567890123450')}`

async function arrowRsLike(dir: string): Promise<string> {
  const encrypted = join(dir, 'pme.parquet')
  const rows = Array.from({ length: 40 }, (_, i) => ({ id: i, name: `name ${i % 5}` }))
  const encryption = {
    footerKey: { key: footerKey, keyMetadata: ascii('kf') },
    columnKeys: { name: { key: columnKey, keyMetadata: ascii('kc') } },
  }
  await writeParquet(encrypted, { rows }, { bloomFilters: ['name'], encryption })
  const keys = { footerKey, columnKeys: { name: columnKey } }
  const plain = join(dir, 'plain.parquet')
  await decryptFile(encrypted, plain, keys)
  const plainMeta = await (await ParquetFile.open(plain)).columnMetaData(0, 1)
  const start = plainMeta.bloom_filter_offset as number
  const filter = readFileSync(plain).subarray(start, start + (plainMeta.bloom_filter_length as number))
  const encryptedMeta = await (await ParquetFile.open(encrypted, keys)).columnMetaData(0, 1)
  const bytes = readFileSync(encrypted)
  bytes.set(filter, encryptedMeta.bloom_filter_offset as number)
  const path = join(dir, 'arrow-rs.parquet')
  writeFileSync(path, bytes)
  return path
}

describe('an encrypted column with an unencrypted bloom filter (arrow-rs)', () => {
  it('decrypts with a warning naming the column; --strict refuses it', async () => {
    const dir = tempDir()
    const input = await arrowRsLike(dir)
    const ok = pme(['decrypt', input, '-o', join(dir, 'out.parquet'), '--key-list', keyList])
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stderr).toMatch(/warning: .*bloom filter of encrypted column name is stored unencrypted/)

    const strict = pme(['decrypt', input, '-o', join(dir, 'strict.parquet'), '--key-list', keyList, '--strict'])
    expect(strict.code).toBe(1)
    expect(strict.stderr).toMatch(/IntegrityError: .*refused \(strict\)/)
  })
})
