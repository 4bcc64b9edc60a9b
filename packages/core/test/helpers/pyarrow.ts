import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/*
 * Reads Parquet files with pyarrow, the Arrow C++ reader, from the venv the integration suite
 * provisions: $PME_VENV_DIR, else `<repo root>/.cache/venv`. Suites skip (with a note) without it.
 */
const venvDir = process.env.PME_VENV_DIR || fileURLToPath(new URL('../../../../.cache/venv', import.meta.url))
const python = join(venvDir, 'bin', 'python')

// One JSON line of rows per file. Bytes print as hex and other non-JSON values (dates, decimals)
// as text; NaN prints as the token NaN, which is fine for comparing two outputs as text.
const READ_ROWS = `
import json, sys
import pyarrow.parquet as pq
for path in sys.argv[1:]:
    rows = pq.read_table(path).to_pylist()
    print(json.dumps(rows, default=lambda v: v.hex() if isinstance(v, (bytes, bytearray)) else str(v)))
`

export const HAS_PYARROW: boolean = spawnSync(python, ['-c', 'import pyarrow'], { stdio: 'ignore' }).status === 0

/** For `describe.skipIf(skipWithoutPyarrow('…'))`: true (and says so) when the venv is absent. */
export function skipWithoutPyarrow(suite: string): boolean {
  if (!HAS_PYARROW) console.warn(`[skip] ${suite}: no python with pyarrow at ${python} (set PME_VENV_DIR)`)
  return !HAS_PYARROW
}

/** Each file's rows as pyarrow's to_pylist() prints them, one JSON text per file. */
export function pyarrowRowsText(files: readonly Uint8Array[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'pme-pyarrow-'))
  try {
    const paths = files.map((bytes, i) => {
      const path = join(dir, `${i}.parquet`)
      writeFileSync(path, bytes)
      return path
    })
    const run = spawnSync(python, ['-c', READ_ROWS, ...paths], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })
    if (run.status !== 0) throw new Error(`pyarrow failed (exit ${run.status}):\n${run.stderr}`)
    const lines = run.stdout.trimEnd().split('\n')
    if (lines.length !== files.length)
      throw new Error(`pyarrow printed ${lines.length} results for ${files.length} files`)
    return lines
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Each file's rows as pyarrow reads them (lists as arrays, structs as objects, nulls as null). */
export function pyarrowRows(files: readonly Uint8Array[]): unknown[][] {
  return pyarrowRowsText(files).map((text) => JSON.parse(text) as unknown[])
}

// Decompresses each blob with Arrow C++'s codec and prints the SHA-256 of the output, or the error.
const DECOMPRESS = `
import hashlib, json, sys
import pyarrow as pa
out = []
for codec, path, size in json.load(open(sys.argv[1])):
    try:
        data = pa.Codec(codec).decompress(open(path, 'rb').read(), decompressed_size=size).to_pybytes()
        out.append(hashlib.sha256(data).hexdigest())
    except Exception as error:
        out.append('error: ' + str(error))
print(json.dumps(out))
`

/** Arrow C++ decompresses each blob ('snappy', 'gzip', 'brotli', 'zstd', 'lz4_raw'): SHA-256 hex of each output. */
export function pyarrowDecompressDigests(
  blobs: readonly { codec: string; bytes: Uint8Array; size: number }[],
): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'pme-pyarrow-'))
  try {
    const manifest = blobs.map((blob, i) => {
      const path = join(dir, `${i}.bin`)
      writeFileSync(path, blob.bytes)
      return [blob.codec, path, blob.size]
    })
    const manifestPath = join(dir, 'manifest.json')
    writeFileSync(manifestPath, JSON.stringify(manifest))
    const run = spawnSync(python, ['-c', DECOMPRESS, manifestPath], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    if (run.status !== 0) throw new Error(`pyarrow failed (exit ${run.status}):\n${run.stderr}`)
    return JSON.parse(run.stdout) as string[]
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
