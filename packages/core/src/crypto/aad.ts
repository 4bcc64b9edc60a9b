import { MalformedFileError } from '../errors.js'
import { concatBytes } from './aes.js'

/** Module types of the spec (Encryption.md §4.4); the value is the AAD's type byte. */
export const ModuleType = {
  Footer: 0,
  ColumnMetaData: 1,
  DataPage: 2,
  DictionaryPage: 3,
  DataPageHeader: 4,
  DictionaryPageHeader: 5,
  ColumnIndex: 6,
  OffsetIndex: 7,
  BloomFilterHeader: 8,
  BloomFilterBitset: 9,
} as const
export type ModuleType = (typeof ModuleType)[keyof typeof ModuleType]

const moduleNames: Record<ModuleType, string> = {
  0: 'footer',
  1: 'column metadata',
  2: 'data page',
  3: 'dictionary page',
  4: 'data page header',
  5: 'dictionary page header',
  6: 'column index',
  7: 'offset index',
  8: 'bloom filter header',
  9: 'bloom filter bitset',
}

export function moduleName(type: ModuleType): string {
  return moduleNames[type]
}

export const AAD_FILE_UNIQUE_LENGTH = 8

/** fileAAD = aad_prefix || aad_file_unique */
export function fileAad(aadPrefix: Uint8Array | undefined, aadFileUnique: Uint8Array): Uint8Array {
  return aadPrefix ? concatBytes([aadPrefix, aadFileUnique]) : aadFileUnique
}

/** Position of a module in the file; omitted parts are not part of its AAD. */
export interface ModuleOrdinals {
  rowGroup?: number
  column?: number
  page?: number
}

function pushOrdinal(out: number[], value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0x7fff) {
    throw new MalformedFileError(`${what} ordinal ${value} does not fit the AAD's signed 16-bit field`)
  }
  out.push(value & 0xff, value >> 8)
}

/** moduleAAD = fileAAD || type [|| rg i16le || col i16le [|| page i16le]] */
export function moduleAad(fileAadBytes: Uint8Array, type: ModuleType, ordinals: ModuleOrdinals = {}): Uint8Array {
  if (type === ModuleType.Footer) return concatBytes([fileAadBytes, Uint8Array.of(type)])
  const suffix: number[] = [type]
  pushOrdinal(suffix, ordinals.rowGroup ?? Number.NaN, 'row group')
  pushOrdinal(suffix, ordinals.column ?? Number.NaN, 'column')
  if (type === ModuleType.DataPage || type === ModuleType.DataPageHeader) {
    pushOrdinal(suffix, ordinals.page ?? Number.NaN, 'page')
  }
  return concatBytes([fileAadBytes, Uint8Array.from(suffix)])
}
