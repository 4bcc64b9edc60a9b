/*
 * PARQUET-816 (IMPALA-694): parquet-mr 1.2.8 and older left the dictionary page header out of a
 * column chunk's total_compressed_size, so the chunk's pages run past its stated end. Readers pad
 * such chunks, as Arrow C++ does (kMaxDictHeaderSize), and stop after the chunk's num_values.
 * parquet-testing nation.dict-malformed.parquet is such a file ("parquet-mr", no version).
 */

/** Arrow C++'s kMaxDictHeaderSize: the most a dictionary page header can take. */
export const DICTIONARY_HEADER_PADDING = 100

const PARQUET_MR = /^parquet-mr(?: version (\d+)\.(\d+)\.(\d+))?/

/** Whether a file's writer (FileMetaData.created_by) had the bug: parquet-mr before 1.2.9. */
export function undercountsDictionaryHeaders(createdBy: string | undefined): boolean {
  const match = createdBy === undefined ? null : PARQUET_MR.exec(createdBy)
  if (!match) return false
  // No version reads as 0.0.0, as Arrow's ApplicationVersion does.
  const [major, minor, patch] = [match[1], match[2], match[3]].map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
  ]
  return major < 1 || (major === 1 && (minor < 2 || (minor === 2 && patch < 9)))
}
