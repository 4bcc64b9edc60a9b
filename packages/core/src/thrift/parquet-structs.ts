import { list, struct, type ThriftObject } from './struct-codec.js'

/*
 * The parts of parquet.thrift this library reads or rewrites, with the encryption additions.
 * Fields not named here survive decode/encode as raw bytes (see struct-codec.ts).
 */

export interface AesGcmV1 extends ThriftObject {
  aad_prefix?: Uint8Array
  aad_file_unique?: Uint8Array
  supply_aad_prefix?: boolean
}

export interface EncryptionAlgorithm extends ThriftObject {
  AES_GCM_V1?: AesGcmV1
  AES_GCM_CTR_V1?: AesGcmV1
}

export interface FileCryptoMetaData extends ThriftObject {
  encryption_algorithm: EncryptionAlgorithm
  key_metadata?: Uint8Array
}

export interface EncryptionWithColumnKey extends ThriftObject {
  path_in_schema: string[]
  key_metadata?: Uint8Array
}

export interface ColumnCryptoMetaData extends ThriftObject {
  ENCRYPTION_WITH_FOOTER_KEY?: ThriftObject
  ENCRYPTION_WITH_COLUMN_KEY?: EncryptionWithColumnKey
}

export interface PageEncodingStats extends ThriftObject {
  page_type: number
  encoding: number
  count: number
}

export interface ColumnMetaData extends ThriftObject {
  type: number
  encodings: number[]
  path_in_schema: string[]
  codec: number
  num_values: number
  total_uncompressed_size: number
  total_compressed_size: number
  data_page_offset: number
  index_page_offset?: number
  dictionary_page_offset?: number
  statistics?: ThriftObject
  encoding_stats?: PageEncodingStats[]
  bloom_filter_offset?: number
  bloom_filter_length?: number
}

export interface ColumnChunk extends ThriftObject {
  file_path?: string
  file_offset: number
  meta_data?: ColumnMetaData
  offset_index_offset?: number
  offset_index_length?: number
  column_index_offset?: number
  column_index_length?: number
  crypto_metadata?: ColumnCryptoMetaData
  encrypted_column_metadata?: Uint8Array
}

export interface RowGroup extends ThriftObject {
  columns: ColumnChunk[]
  total_byte_size: number
  num_rows: number
  file_offset?: number
  total_compressed_size?: number
  ordinal?: number
}

export interface SchemaElement extends ThriftObject {
  type?: number
  type_length?: number
  repetition_type?: number
  name: string
  num_children?: number
  converted_type?: number
}

export interface FileMetaData extends ThriftObject {
  version: number
  schema: SchemaElement[]
  num_rows: number
  row_groups: RowGroup[]
  created_by?: string
  encryption_algorithm?: EncryptionAlgorithm
  footer_signing_key_metadata?: Uint8Array
}

export interface DataPageHeader extends ThriftObject {
  num_values: number
  encoding: number
  definition_level_encoding: number
  repetition_level_encoding: number
  statistics?: ThriftObject
}

export interface DataPageHeaderV2 extends ThriftObject {
  num_values: number
  num_nulls: number
  num_rows: number
  encoding: number
  definition_levels_byte_length: number
  repetition_levels_byte_length: number
  is_compressed?: boolean
  statistics?: ThriftObject
}

export interface PageHeader extends ThriftObject {
  type: number
  uncompressed_page_size: number
  compressed_page_size: number
  crc?: number
  data_page_header?: DataPageHeader
  data_page_header_v2?: DataPageHeaderV2
}

export interface PageLocation extends ThriftObject {
  offset: number
  compressed_page_size: number
  first_row_index: number
}

export interface OffsetIndex extends ThriftObject {
  page_locations: PageLocation[]
}

export interface BloomFilterHeader extends ThriftObject {
  numBytes: number
}

export const PageType = { DataPage: 0, IndexPage: 1, DictionaryPage: 2, DataPageV2: 3 } as const

const AesGcmV1Def = struct('AesGcmV1', {
  1: ['aad_prefix', 'binary'],
  2: ['aad_file_unique', 'binary'],
  3: ['supply_aad_prefix', 'bool'],
})

export const EncryptionAlgorithmDef = struct('EncryptionAlgorithm', {
  1: ['AES_GCM_V1', AesGcmV1Def],
  2: ['AES_GCM_CTR_V1', AesGcmV1Def],
})

export const FileCryptoMetaDataDef = struct('FileCryptoMetaData', {
  1: ['encryption_algorithm', EncryptionAlgorithmDef, 'required'],
  2: ['key_metadata', 'binary'],
})

const ColumnCryptoMetaDataDef = struct('ColumnCryptoMetaData', {
  1: ['ENCRYPTION_WITH_FOOTER_KEY', struct('EncryptionWithFooterKey', {})],
  2: [
    'ENCRYPTION_WITH_COLUMN_KEY',
    struct('EncryptionWithColumnKey', {
      1: ['path_in_schema', list('string'), 'required'],
      2: ['key_metadata', 'binary'],
    }),
  ],
})

/** Kept raw: statistics are copied as written (column chunk and page statistics alike). */
const StatisticsDef = struct('Statistics', {})

export const ColumnMetaDataDef = struct('ColumnMetaData', {
  1: ['type', 'i32', 'required'],
  2: ['encodings', list('i32'), 'required'],
  3: ['path_in_schema', list('string'), 'required'],
  4: ['codec', 'i32', 'required'],
  5: ['num_values', 'i64', 'required'],
  6: ['total_uncompressed_size', 'i64', 'required'],
  7: ['total_compressed_size', 'i64', 'required'],
  9: ['data_page_offset', 'i64', 'required'],
  10: ['index_page_offset', 'i64'],
  11: ['dictionary_page_offset', 'i64'],
  12: ['statistics', StatisticsDef],
  13: [
    'encoding_stats',
    list(struct('PageEncodingStats', { 1: ['page_type', 'i32'], 2: ['encoding', 'i32'], 3: ['count', 'i32'] })),
  ],
  14: ['bloom_filter_offset', 'i64'],
  15: ['bloom_filter_length', 'i32'],
})

const ColumnChunkDef = struct('ColumnChunk', {
  1: ['file_path', 'string'],
  2: ['file_offset', 'i64'],
  3: ['meta_data', ColumnMetaDataDef],
  4: ['offset_index_offset', 'i64'],
  5: ['offset_index_length', 'i32'],
  6: ['column_index_offset', 'i64'],
  7: ['column_index_length', 'i32'],
  8: ['crypto_metadata', ColumnCryptoMetaDataDef],
  9: ['encrypted_column_metadata', 'binary'],
})

const RowGroupDef = struct('RowGroup', {
  1: ['columns', list(ColumnChunkDef), 'required'],
  2: ['total_byte_size', 'i64'],
  3: ['num_rows', 'i64', 'required'],
  5: ['file_offset', 'i64'],
  6: ['total_compressed_size', 'i64'],
  7: ['ordinal', 'i16'],
})

const SchemaElementDef = struct('SchemaElement', {
  1: ['type', 'i32'],
  2: ['type_length', 'i32'],
  3: ['repetition_type', 'i32'],
  4: ['name', 'string', 'required'],
  5: ['num_children', 'i32'],
  6: ['converted_type', 'i32'],
})

export const FileMetaDataDef = struct('FileMetaData', {
  1: ['version', 'i32'],
  2: ['schema', list(SchemaElementDef), 'required'],
  3: ['num_rows', 'i64', 'required'],
  4: ['row_groups', list(RowGroupDef), 'required'],
  6: ['created_by', 'string'],
  8: ['encryption_algorithm', EncryptionAlgorithmDef],
  9: ['footer_signing_key_metadata', 'binary'],
})

export const PageHeaderDef = struct('PageHeader', {
  1: ['type', 'i32', 'required'],
  2: ['uncompressed_page_size', 'i32', 'required'],
  3: ['compressed_page_size', 'i32', 'required'],
  4: ['crc', 'i32'],
  5: [
    'data_page_header',
    struct('DataPageHeader', {
      1: ['num_values', 'i32', 'required'],
      2: ['encoding', 'i32', 'required'],
      3: ['definition_level_encoding', 'i32', 'required'],
      4: ['repetition_level_encoding', 'i32', 'required'],
      5: ['statistics', StatisticsDef],
    }),
  ],
  8: [
    'data_page_header_v2',
    struct('DataPageHeaderV2', {
      1: ['num_values', 'i32', 'required'],
      2: ['num_nulls', 'i32', 'required'],
      3: ['num_rows', 'i32', 'required'],
      4: ['encoding', 'i32', 'required'],
      5: ['definition_levels_byte_length', 'i32', 'required'],
      6: ['repetition_levels_byte_length', 'i32', 'required'],
      7: ['is_compressed', 'bool'],
      8: ['statistics', StatisticsDef],
    }),
  ],
})

export const OffsetIndexDef = struct('OffsetIndex', {
  1: [
    'page_locations',
    list(
      struct('PageLocation', {
        1: ['offset', 'i64', 'required'],
        2: ['compressed_page_size', 'i32', 'required'],
        3: ['first_row_index', 'i64', 'required'],
      }),
    ),
    'required',
  ],
})

/** Only its length matters here: the column index is copied as it is, minus padding. */
export const ColumnIndexDef = struct('ColumnIndex', {})

export const BloomFilterHeaderDef = struct('BloomFilterHeader', { 1: ['numBytes', 'i32', 'required'] })
