import { keyListRetriever, parseKeyList } from '../../src/read/key-list.js'
import type { ReadOptions } from '../../src/read/read-parquet.js'

/*
 * The C++-written encrypted files of parquet-testing and their keys (pme-reference §8; parquet-testing
 * data/README.md). The README writes the keys as {0,1,2,…} but they are ASCII digit strings.
 */
const ascii = (text: string): Uint8Array => new TextEncoder().encode(text)

export const FOOTER_KEY = ascii('0123456789012345') // key_metadata "kf"
export const DOUBLE_KEY = ascii('1234567890123450') // "kc1", double_field
export const FLOAT_KEY = ascii('1234567890123451') // "kc2", float_field
export const ALL_KEYS: readonly Uint8Array[] = [FOOTER_KEY, DOUBLE_KEY, FLOAT_KEY]
export const AAD_PREFIX = 'tester'

const base64 = (key: Uint8Array): string => Buffer.from(key).toString('base64')
/** parquet-java's key list format, as the CLI takes it. */
export const KEY_LIST = `kf: ${base64(FOOTER_KEY)}, kc1: ${base64(DOUBLE_KEY)}, kc2: ${base64(FLOAT_KEY)}`

/** Leaf columns in schema order (the column ordinal of the AADs). */
export const COLUMNS = [
  'boolean_field',
  'int32_field',
  'int64_field',
  'int96_field',
  'float_field',
  'double_field',
  'ba_field',
  'flba_field',
] as const
export type ColumnName = (typeof COLUMNS)[number]

export interface PmeTestFile {
  readonly name: string
  readonly footer: 'encrypted' | 'plaintext'
  readonly algorithm: 'AES_GCM_V1' | 'AES_GCM_CTR_V1'
  /** none: no prefix; stored: in the file; supplied: the reader must supply it (supply_aad_prefix). */
  readonly aadPrefix: 'none' | 'stored' | 'supplied'
  /** Columns under a column key; `uniform` files put every column under the footer key. */
  readonly columnKeys: readonly ColumnName[]
  readonly uniform: boolean
}

const columnKeyFile = (
  stem: string,
  changes: Partial<Pick<PmeTestFile, 'footer' | 'algorithm' | 'aadPrefix'>> = {},
): PmeTestFile => ({
  name: `${stem}.parquet.encrypted`,
  footer: 'encrypted',
  algorithm: 'AES_GCM_V1',
  aadPrefix: 'none',
  columnKeys: ['float_field', 'double_field'],
  uniform: false,
  ...changes,
})

export const PME_FILES: readonly PmeTestFile[] = [
  {
    name: 'uniform_encryption.parquet.encrypted',
    footer: 'encrypted',
    algorithm: 'AES_GCM_V1',
    aadPrefix: 'none',
    columnKeys: [],
    uniform: true,
  },
  columnKeyFile('encrypt_columns_and_footer'),
  columnKeyFile('encrypt_columns_and_footer_aad', { aadPrefix: 'stored' }),
  columnKeyFile('encrypt_columns_and_footer_ctr', { algorithm: 'AES_GCM_CTR_V1' }),
  columnKeyFile('encrypt_columns_and_footer_disable_aad_storage', { aadPrefix: 'supplied' }),
  columnKeyFile('encrypt_columns_plaintext_footer', { footer: 'plaintext' }),
]

export function pmeFile(name: string): PmeTestFile {
  const file = PME_FILES.find((candidate) => candidate.name === name || candidate.name.startsWith(`${name}.`))
  if (!file) throw new Error(`no parquet-testing file ${name} in PME_FILES`)
  return file
}

/** Columns a reader without keys can read: all but the encrypted ones. */
export function plaintextColumns(file: PmeTestFile): ColumnName[] {
  return file.uniform ? [] : COLUMNS.filter((column) => !file.columnKeys.includes(column))
}

export type KeyStyle = 'explicit' | 'retriever'
export const KEY_STYLES: readonly KeyStyle[] = ['explicit', 'retriever']

/** Decryption config #3 of read_configurations_test: explicit footer and column keys. */
export function explicitKeys(): ReadOptions {
  return { footerKey: FOOTER_KEY, columnKeys: { double_field: DOUBLE_KEY, float_field: FLOAT_KEY } }
}

/** Decryption config #1: keys found by key_metadata ("kf", "kc1", "kc2") through a key list. */
export function retrieverKeys(keyList = KEY_LIST): ReadOptions {
  return { keyRetriever: keyListRetriever(parseKeyList(keyList)) }
}

export function keysOf(style: KeyStyle): ReadOptions {
  return style === 'explicit' ? explicitKeys() : retrieverKeys()
}

/** The options that read `file`: keys of the given style, plus the AAD prefix when it is not stored. */
export function workingOptions(file: PmeTestFile, style: KeyStyle = 'explicit'): ReadOptions {
  return { ...keysOf(style), ...(file.aadPrefix === 'supplied' ? { aadPrefix: AAD_PREFIX } : {}) }
}
