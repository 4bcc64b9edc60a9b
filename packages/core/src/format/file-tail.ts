import { MalformedFileError } from '../errors.js'
import type { ByteSource } from '../io/byte-source.js'

export const PAR1 = 0x31524150 // "PAR1" little-endian
export const PARE = 0x45524150 // "PARE" little-endian
export const MAGIC_LENGTH = 4
const TAIL_LENGTH = 8 // u32le footer length + magic

/** The end of a Parquet file: its magic and the footer region the length points at. */
export interface FileTail {
  readonly encryptedFooter: boolean
  /** Bytes between the last row group and the tail: FileMetaData (PAR1) or crypto metadata + footer module (PARE). */
  readonly footer: Uint8Array
  readonly footerOffset: number
}

function magicName(value: number): string {
  return value === PAR1 ? 'PAR1' : value === PARE ? 'PARE' : `0x${value.toString(16).padStart(8, '0')}`
}

export async function readFileTail(source: ByteSource): Promise<FileTail> {
  const file = source.name
  if (source.byteLength < MAGIC_LENGTH + TAIL_LENGTH) {
    throw new MalformedFileError(`file of ${source.byteLength} bytes is too short to be Parquet`, { file })
  }
  const head = await source.read(0, MAGIC_LENGTH)
  const tail = await source.read(source.byteLength - TAIL_LENGTH, source.byteLength)
  const headMagic = new DataView(head.buffer, head.byteOffset, MAGIC_LENGTH).getUint32(0, true)
  const tailView = new DataView(tail.buffer, tail.byteOffset, TAIL_LENGTH)
  const tailMagic = tailView.getUint32(4, true)
  if (tailMagic !== PAR1 && tailMagic !== PARE) {
    // A Parquet head without a Parquet end is most often a copy or download cut short.
    const detail =
      headMagic === PAR1 || headMagic === PARE
        ? `the file is truncated (or damaged at its end): it starts with ${magicName(headMagic)} but ends with ${magicName(tailMagic)}, not a footer`
        : `not a Parquet file: trailing magic is ${magicName(tailMagic)}`
    throw new MalformedFileError(detail, { file })
  }
  if (headMagic !== tailMagic) {
    throw new MalformedFileError(
      `leading magic ${magicName(headMagic)} differs from trailing ${magicName(tailMagic)}`,
      {
        file,
      },
    )
  }
  const footerLength = tailView.getUint32(0, true)
  const footerOffset = source.byteLength - TAIL_LENGTH - footerLength
  if (footerOffset < MAGIC_LENGTH) {
    throw new MalformedFileError(
      `footer length ${footerLength} exceeds the file of ${source.byteLength} bytes: the file is truncated or damaged`,
      { file },
    )
  }
  const footer = await source.read(footerOffset, source.byteLength - TAIL_LENGTH)
  return { encryptedFooter: tailMagic === PARE, footer, footerOffset }
}
