import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/*
 * The files mutations start from: the committed pme-written bases (both footer modes, both
 * algorithms, explicit and KMS keys, plain files in every codec), and, when the parquet-testing data
 * folder is present, its encrypted files and a selection of plain ones from other writers.
 */
const BASES_DIR = fileURLToPath(new URL('../bases', import.meta.url))
const TESTING_DIR =
  process.env.PARQUET_TEST_DATA || fileURLToPath(new URL('../../../../shared/parquet-testing/data', import.meta.url))

const TESTING_FILES = [
  'uniform_encryption.parquet.encrypted',
  'encrypt_columns_and_footer.parquet.encrypted',
  'encrypt_columns_plaintext_footer.parquet.encrypted',
  'encrypt_columns_and_footer_ctr.parquet.encrypted',
  'alltypes_plain.parquet',
  'alltypes_dictionary.parquet',
  'datapage_v1-snappy-compressed-checksum.parquet',
  'datapage_v2_empty_datapage.snappy.parquet',
  'byte_stream_split.zstd.parquet',
  'nested_lists.snappy.parquet',
  'nullable.impala.parquet',
  'delta_binary_packed.parquet',
  'delta_byte_array.parquet',
  'rle_boolean_encoding.parquet',
  'lz4_raw_compressed.parquet',
  'hadoop_lz4_compressed.parquet',
]

export function loadBases() {
  const bases = readdirSync(BASES_DIR)
    .filter((name) => name.endsWith('.parquet'))
    .sort()
    .map((name) => ({ name, bytes: new Uint8Array(readFileSync(join(BASES_DIR, name))) }))
  for (const name of TESTING_FILES) {
    const path = join(TESTING_DIR, name)
    if (existsSync(path)) bases.push({ name: `parquet-testing/${name}`, bytes: new Uint8Array(readFileSync(path)) })
  }
  return bases
}
