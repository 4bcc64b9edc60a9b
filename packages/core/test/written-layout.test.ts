import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { IntegrityError, UsageError } from '../src/errors.js'
import { readPlainPage } from '../src/format/chunk-builder.js'
import { readFileTail } from '../src/format/file-tail.js'
import { bufferSource } from '../src/io/byte-source.js'
import { readPlainChunk } from '../src/read/column-chunk.js'
import { ParquetFile } from '../src/read/parquet-file.js'
import { readParquet } from '../src/read/read-parquet.js'
import {
  type ColumnMetaData,
  type FileCryptoMetaData,
  FileCryptoMetaDataDef,
  type FileMetaData,
  FileMetaDataDef,
} from '../src/thrift/parquet-structs.js'
import { decodeStruct } from '../src/thrift/struct-codec.js'
import type { EncryptionProperties } from '../src/write/encryption-properties.js'
import { ParquetFileWriter, type SchemaElement, writeParquet } from '../src/write/parquet-writer.js'

/*
 * What the writer puts in the file, checked against the spec and pme-reference §2–§5 by reading the
 * raw structures back with the thrift layer (values are checked against pyarrow in integration/).
 */

const utf8 = new TextEncoder()
const key = (seed: number, length = 16) => Uint8Array.from({ length }, (_, i) => (seed * 37 + i * 11) & 0xff)
const FOOTER = { key: key(1), keyMetadata: utf8.encode('kf') }
const SECRET = { key: key(2, 32), keyMetadata: utf8.encode('kc1') }

const rows = 600
const columns = () => [
  { name: 'id', data: Int32Array.from({ length: rows }, (_, i) => i), type: 'INT32' as const, nullable: false },
  {
    name: 'email',
    data: Array.from({ length: rows }, (_, i) => (i % 4 === 0 ? null : `u${i}@x`)),
    type: 'STRING' as const,
  },
  {
    name: 'score',
    data: Float64Array.from({ length: rows }, (_, i) => i / 8),
    type: 'DOUBLE' as const,
    nullable: false,
  },
]
const expected = (i: number) => ({ id: i, email: i % 4 === 0 ? null : `u${i}@x`, score: i / 8 })

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pme-layout-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function written(name: string, encryption: EncryptionProperties): Promise<Uint8Array> {
  const path = join(dir, name)
  await writeParquet(path, { columns: columns() }, { encryption, rowGroupSize: 200, pageSize: 256 })
  return new Uint8Array(await readFile(path))
}

describe('encrypted footer with a column key (pme-reference §5)', () => {
  // completeColumns: id and score are encrypted with the footer key, email with its own key.
  const props: EncryptionProperties = {
    footerKey: FOOTER,
    columnKeys: { email: SECRET },
    completeColumns: true,
    aadPrefix: 'tenant-7',
  }
  let bytes: Uint8Array
  let file: ParquetFile
  beforeAll(async () => {
    bytes = await written('pare.parquet', props)
    file = await ParquetFile.open(bytes, { footerKey: FOOTER.key, columnKeys: { email: SECRET.key } })
  })

  it('writes PARE at both ends and FileCryptoMetaData with the stored prefix and explicit supply_aad_prefix', async () => {
    const ascii = (at: number) => new TextDecoder().decode(bytes.subarray(at, at + 4))
    expect(ascii(0)).toBe('PARE')
    expect(ascii(bytes.length - 4)).toBe('PARE')
    const tail = await readFileTail(bufferSource(bytes))
    const crypto = decodeStruct<FileCryptoMetaData>(FileCryptoMetaDataDef, tail.footer).value
    const gcm = crypto.encryption_algorithm.AES_GCM_V1
    expect(new TextDecoder().decode(gcm?.aad_prefix)).toBe('tenant-7')
    expect(gcm?.aad_file_unique?.length).toBe(8)
    expect(gcm?.supply_aad_prefix).toBe(false)
    expect(new TextDecoder().decode(crypto.key_metadata)).toBe('kf')
  })

  it('leaves FileMetaData fields 8 and 9 unset and writes RowGroup.ordinal', () => {
    expect(file.metadata.encryption_algorithm).toBeUndefined()
    expect(file.metadata.footer_signing_key_metadata).toBeUndefined()
    expect(file.metadata.row_groups.length).toBe(3)
    expect(file.metadata.row_groups.map((group) => group.ordinal)).toEqual([0, 1, 2])
  })

  it('omits meta_data of the column-key column and keeps it, unencrypted, for the others', () => {
    for (const group of file.metadata.row_groups) {
      const [id, email, score] = group.columns
      expect(email?.meta_data).toBeUndefined()
      expect(email?.encrypted_column_metadata).toBeDefined()
      expect(email?.crypto_metadata?.ENCRYPTION_WITH_COLUMN_KEY?.path_in_schema).toEqual(['email'])
      expect(new TextDecoder().decode(email?.crypto_metadata?.ENCRYPTION_WITH_COLUMN_KEY?.key_metadata)).toBe('kc1')
      for (const footerKeyed of [id, score]) {
        expect(footerKeyed?.crypto_metadata?.ENCRYPTION_WITH_FOOTER_KEY).toEqual({})
        expect(footerKeyed?.encrypted_column_metadata).toBeUndefined()
        expect(footerKeyed?.meta_data?.statistics).toBeDefined()
      }
    }
  })

  it('counts encrypted sizes: total_compressed_size spans the chunk up to the next one', async () => {
    const group = file.metadata.row_groups[0]
    const metas: ColumnMetaData[] = []
    for (let column = 0; column < 3; column++) metas.push(await file.columnMetaData(0, column))
    const starts = metas.map((meta) => meta.dictionary_page_offset ?? meta.data_page_offset)
    expect(starts[0]).toBe(4)
    expect(group?.file_offset).toBe(4)
    for (let column = 0; column < 2; column++) {
      expect((starts[column] as number) + (metas[column]?.total_compressed_size as number)).toBe(starts[column + 1])
    }
    expect(group?.total_compressed_size).toBe(metas.reduce((sum, meta) => sum + meta.total_compressed_size, 0))
  })

  it('never repeats a nonce within a file, nor an aad_file_unique across files', async () => {
    const nonces = new Set<string>()
    let count = 0
    for (let group = 0; group < 3; group++) {
      for (let column = 0; column < 3; column++) {
        const meta = await file.columnMetaData(group, column)
        const start = meta.dictionary_page_offset ?? meta.data_page_offset
        const chunk = bytes.subarray(start, start + meta.total_compressed_size)
        for (let at = 0; at < chunk.length; ) {
          const size = 4 + new DataView(chunk.buffer, chunk.byteOffset + at).getUint32(0, true)
          nonces.add(Buffer.from(chunk.subarray(at + 4, at + 16)).toString('hex'))
          count++
          at += size
        }
      }
    }
    expect(count).toBeGreaterThan(18) // headers and pages of 9 chunks with several pages
    expect(nonces.size).toBe(count)
    const again = await written('pare-2.parquet', props)
    const unique = async (b: Uint8Array) => {
      const crypto = decodeStruct<FileCryptoMetaData>(
        FileCryptoMetaDataDef,
        (await readFileTail(bufferSource(b))).footer,
      )
      return Buffer.from(crypto.value.encryption_algorithm.AES_GCM_V1?.aad_file_unique ?? []).toString('hex')
    }
    expect(await unique(again)).not.toBe(await unique(bytes))
  })

  it('reads back every value, and a nullable encrypted column has only V1 data pages', async () => {
    const back = await readParquet(bytes, { footerKey: FOOTER.key, columnKeys: { email: SECRET.key } })
    expect(back).toEqual(Array.from({ length: rows }, (_, i) => expected(i)))
    const email = await file.columnMetaData(0, 1)
    const pageTypes = new Set(email.encoding_stats?.map((stats) => stats.page_type))
    expect(pageTypes.has(3)).toBe(false) // DATA_PAGE_V2
    expect(pageTypes.has(0)).toBe(true) // DATA_PAGE
  })
})

describe('plaintext footer (pme-reference §1, §5)', () => {
  const props: EncryptionProperties = {
    footerKey: FOOTER,
    columnKeys: { email: SECRET },
    plaintextFooter: true,
    algorithm: 'AES_GCM_CTR_V1',
  }
  let metadata: FileMetaData

  beforeAll(async () => {
    const bytes = await written('par1.parquet', props)
    const tail = await readFileTail(bufferSource(bytes))
    metadata = decodeStruct<FileMetaData>(FileMetaDataDef, tail.footer).value
  })

  it('writes the real algorithm (CTR) and the footer signing key metadata', () => {
    expect(metadata.encryption_algorithm?.AES_GCM_CTR_V1?.aad_file_unique?.length).toBe(8)
    expect(metadata.encryption_algorithm?.AES_GCM_V1).toBeUndefined()
    expect(new TextDecoder().decode(metadata.footer_signing_key_metadata)).toBe('kf')
  })

  it('redacts statistics and encoding stats of encrypted columns, keeps plaintext columns whole', () => {
    const [id, email, score] = metadata.row_groups[0]?.columns ?? []
    expect(email?.meta_data?.statistics).toBeUndefined()
    expect(email?.meta_data?.encoding_stats).toBeUndefined()
    expect(email?.meta_data?.path_in_schema).toEqual(['email'])
    expect(email?.encrypted_column_metadata).toBeDefined()
    // Uniform columns are not listed: id and score stay plaintext, with full metadata.
    for (const plain of [id, score]) {
      expect(plain?.crypto_metadata).toBeUndefined()
      expect(plain?.meta_data?.statistics).toBeDefined()
    }
  })

  it('keeps the full metadata, statistics included, in encrypted_column_metadata', async () => {
    const file = await ParquetFile.open(join(dir, 'par1.parquet'), {
      footerKey: FOOTER.key,
      columnKeys: { email: SECRET.key },
    })
    expect(file.encryption?.signature).toBe('verified')
    const full = await file.columnMetaData(0, 1)
    expect(full.statistics).toBeDefined()
    // Under the column key, not the footer key: the footer key alone cannot open it.
    const footerOnly = await ParquetFile.open(join(dir, 'par1.parquet'), {
      footerKey: FOOTER.key,
      columnKeys: { email: FOOTER.key },
    })
    await expect(footerOnly.columnMetaData(0, 1)).rejects.toThrow(IntegrityError)
  })

  it('lets a reader without keys read the plaintext columns', async () => {
    const back = await readParquet(join(dir, 'par1.parquet'), { columns: ['id', 'score'] })
    expect(back[7]).toEqual({ id: 7, score: 7 / 8 })
  })
})

describe('ParquetFileWriter', () => {
  it('streams batches into one file with a shared schema', async () => {
    const path = join(dir, 'stream.parquet')
    const writer = await ParquetFileWriter.create(path, { encryption: { footerKey: FOOTER } })
    for (let batch = 0; batch < 3; batch++) {
      const ids = Int32Array.from({ length: 100 }, (_, i) => batch * 100 + i)
      await writer.writeColumns([{ name: 'id', data: ids, type: 'INT32', nullable: false }])
    }
    await writer.writeRows([{ id: 300 }])
    await writer.close()
    const back = await readParquet(path, { footerKey: FOOTER.key })
    expect(back.map((row) => row.id)).toEqual(Array.from({ length: 301 }, (_, i) => i))
  })

  it('leaves nothing behind when aborted or when a configuration error surfaces', async () => {
    const sub = await mkdtemp(join(dir, 'abort-'))
    const aborted = await ParquetFileWriter.create(join(sub, 'a.parquet'), { encryption: { footerKey: FOOTER } })
    await aborted.writeColumns(columns())
    await aborted.abort()
    const typo = await ParquetFileWriter.create(join(sub, 'b.parquet'), {
      encryption: { footerKey: FOOTER, columnKeys: { emial: SECRET } },
    })
    await expect(typo.writeColumns(columns())).rejects.toThrow(UsageError)
    const empty = await ParquetFileWriter.create(join(sub, 'c.parquet'))
    await expect(empty.close()).rejects.toThrow(UsageError)
    expect(await readdir(sub)).toEqual([])
  })

  it('rejects a column given a key twice and keys of the wrong length', async () => {
    const twice = { footerKey: FOOTER, columnKeys: { email: SECRET, 'email ': SECRET } }
    await expect(writeParquet(join(dir, 't.parquet'), { columns: columns() }, { encryption: twice })).rejects.toThrow(
      UsageError,
    )
    const short = { footerKey: { key: key(3, 10) } }
    await expect(writeParquet(join(dir, 's.parquet'), { columns: columns() }, { encryption: short })).rejects.toThrow(
      /16, 24 or 32 bytes/,
    )
  })
})

describe('page framing of written columns', () => {
  const schema: SchemaElement[] = [
    { name: 'root', num_children: 3 },
    { name: 'id', type: 'INT32', repetition_type: 'REQUIRED' },
    { name: 's', repetition_type: 'OPTIONAL', num_children: 1 },
    { name: 'x', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    { name: 'tags', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    { name: 'element', type: 'INT64', repetition_type: 'REQUIRED' },
  ]
  const n = 300
  const structs = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : { x: i % 3 ? `x${i}` : null }))
  const lists = Array.from({ length: n }, (_, i) => Array.from({ length: i % 4 }, (_, k) => BigInt(k)))
  const data = [
    { name: 'id', data: Int32Array.from({ length: n }, (_, i) => i) },
    { name: 's', data: structs },
    { name: 'tags', data: lists },
  ]

  /** Data page types of each leaf's chunks, and each chunk's codec, read back through the decryption. */
  async function framing(encryption?: EncryptionProperties) {
    const path = join(dir, `framing-${encryption ? 'enc' : 'plain'}.parquet`)
    await writeParquet(path, { columns: data }, { schema, rowGroupSize: 100, pageSize: 512, codec: 'GZIP', encryption })
    const file = await ParquetFile.open(path, encryption ? { footerKey: FOOTER.key } : undefined)
    const out: Record<string, { pageTypes: Set<number>; codecs: Set<number> }> = {}
    for (let rowGroup = 0; rowGroup < file.metadata.row_groups.length; rowGroup++) {
      for (let column = 0; column < file.leaves.length; column++) {
        const meta = await file.columnMetaData(rowGroup, column)
        const chunk = await readPlainChunk(file, rowGroup, column, meta)
        const path = file.leaf(column).dotPath
        out[path] ??= { pageTypes: new Set(), codecs: new Set() }
        const entry = out[path]
        entry.codecs.add(meta.codec)
        for (let position = 0; position < chunk.bytes.length; ) {
          const page = readPlainPage(chunk.bytes, position, {})
          if (page.header.type !== 2) entry.pageTypes.add(page.header.type) // not the dictionary page
          position = page.end
        }
      }
    }
    return { out, rows: await readParquet(path, encryption ? { footerKey: FOOTER.key } : {}) }
  }

  it('writes encrypted columns with levels as V1 pages, compressed once with the codec asked for', async () => {
    const { out, rows } = await framing({ footerKey: FOOTER })
    expect(out.id).toEqual({ pageTypes: new Set([3]), codecs: new Set([2]) }) // DATA_PAGE_V2, GZIP
    expect(out['s.x']).toEqual({ pageTypes: new Set([0]), codecs: new Set([2]) }) // DATA_PAGE
    expect(out['tags.list.element']).toEqual({ pageTypes: new Set([0]), codecs: new Set([2]) })
    expect(rows.map((row) => [row.s, row.tags])).toEqual(structs.map((s, i) => [s ?? undefined, lists[i]]))
  })

  it('keeps V2 pages when nothing is encrypted', async () => {
    const { out } = await framing()
    for (const leaf of ['id', 's.x', 'tags.list.element']) expect(out[leaf]?.pageTypes).toEqual(new Set([3]))
  })
})
