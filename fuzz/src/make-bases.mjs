import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeParquet } from '@pme/core'
import { COLUMN_KEY, cryptoFactory, FOOTER_KEY } from './keys.mjs'

/*
 * Writes the pme-made fuzz bases into fuzz/bases (committed: nonces are random, so the bytes of a
 * base, and with them every seed's input, are fixed only once written). Bases already there are kept;
 * delete one to write it again.
 */
const dir = fileURLToPath(new URL('../bases', import.meta.url))
const ascii = (text) => new TextEncoder().encode(text)

const ROWS = 600
const rows = Array.from({ length: ROWS }, (_, i) => ({
  id: BigInt(i),
  name: `name-${i % 17}`,
  score: i % 7 === 0 ? null : i / 3,
  flag: i % 3 === 0,
}))

/** Small row groups and pages: several of each, with dictionaries, page indexes and a bloom filter. */
const layout = { rowGroupSize: 250, pageSize: 512, bloomFilters: ['name'] }

const explicitKeys = (algorithm, plaintextFooter) => ({
  footerKey: { key: FOOTER_KEY, keyMetadata: ascii('kf') },
  columnKeys: {
    score: { key: COLUMN_KEY, keyMetadata: ascii('kc1') },
    name: { key: COLUMN_KEY, keyMetadata: ascii('kc1') },
  },
  completeColumns: true,
  plaintextFooter,
  algorithm,
})

const kmsKeys = (algorithm, plaintextFooter) =>
  cryptoFactory.fileEncryptionProperties(
    {},
    { footerKey: 'kf', columnKeys: { kc: ['score'] }, encryptionAlgorithm: algorithm, plaintextFooter },
  )

const BASES = {
  'plain-snappy': async () => ({ codec: 'SNAPPY' }),
  'plain-zstd': async () => ({ codec: 'ZSTD' }),
  'plain-gzip': async () => ({ codec: 'GZIP' }),
  'plain-lz4raw': async () => ({ codec: 'LZ4_RAW' }),
  'plain-uncompressed': async () => ({ codec: 'UNCOMPRESSED' }),
  'gcm-encrypted-footer-explicit': async () => ({ encryption: explicitKeys('AES_GCM_V1', false) }),
  'ctr-encrypted-footer-explicit': async () => ({ encryption: explicitKeys('AES_GCM_CTR_V1', false) }),
  'gcm-plaintext-footer-explicit': async () => ({ encryption: explicitKeys('AES_GCM_V1', true) }),
  'ctr-plaintext-footer-explicit': async () => ({ encryption: explicitKeys('AES_GCM_CTR_V1', true) }),
  'gcm-encrypted-footer-partial': async () => ({ encryption: explicitKeys('AES_GCM_V1', false, false) }),
  'ctr-plaintext-footer-partial': async () => ({ encryption: explicitKeys('AES_GCM_CTR_V1', true, false) }),
  'gcm-encrypted-footer-kms': async () => ({ encryption: await kmsKeys('AES_GCM_V1', false) }),
  'ctr-plaintext-footer-kms': async () => ({ encryption: await kmsKeys('AES_GCM_CTR_V1', true) }),
  'gcm-encrypted-footer-kms-zstd': async () => ({ codec: 'ZSTD', encryption: await kmsKeys('AES_GCM_V1', false) }),
}

mkdirSync(dir, { recursive: true })
const written = []
for (const [name, options] of Object.entries(BASES)) {
  const path = join(dir, `${name}.parquet`)
  if (existsSync(path)) continue
  await writeParquet(path, { rows }, { ...layout, ...(await options()) })
  written.push(name)
}
console.log(`wrote ${written.length} bases to ${dir}: ${written.join(', ') || 'none missing'}`)
