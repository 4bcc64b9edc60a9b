/**
 * The plain parquet-testing files the `pme encrypt` suites encrypt (pyarrow-encrypt-files.test.ts:
 * uniform explicit keys; pyarrow-encrypt-files-kms.test.ts: column keys through the KMS), the files
 * pyarrow or pme cannot take, and the checks both suites make on a CLI run and on pyarrow's comparison
 * of a copy with its original.
 */
import { existsSync, readdirSync } from 'node:fs'
import { expect } from 'vitest'
import { type CliRun, pmeAsync, stderrLines } from './cli.js'
import { describeFailure, type FileTailEncryption, type PyCompareResult } from './pyarrow-crypto.js'

/**
 * Plain files pyarrow 25 cannot read itself, so there is nothing to compare values with. For these
 * pyarrow must fail on the decrypted encrypted copy with the same error as on the original (which
 * shows that it got past the decryption to the same point).
 */
export const PYARROW_UNREADABLE: Record<string, string> = {
  'incorrect_map_schema.parquet':
    'pyarrow rejects the schema ("Map keys must be annotated as required."): a MAP whose key is OPTIONAL, kept in parquet-testing for lenient readers',
}

/**
 * Plain files `pme encrypt` legitimately refuses: exit code 1 and one stderr line naming the file.
 * (nation.dict-malformed.parquet, whose chunk sizes leave out dictionary page headers, is encrypted:
 * pme pads such chunks as Arrow does, PARQUET-816.)
 */
export const REFUSED: Record<string, { reason: string; stderr: RegExp }> = {
  // Written to test checksum checks (parquet-testing README). Encrypting them would give a corrupt page
  // a valid CRC and a GCM tag, so pme refuses them (pyarrow with page_checksum_verification does too).
  'datapage_v1-corrupt-checksum.parquet': {
    reason: 'a page CRC does not match its bytes',
    stderr: /page CRC does not match its bytes.*datapage_v1-corrupt-checksum\.parquet/,
  },
  'rle-dict-uncompressed-corrupt-checksum.parquet': {
    reason: 'a page CRC does not match its bytes',
    stderr: /page CRC does not match its bytes.*rle-dict-uncompressed-corrupt-checksum\.parquet/,
  },
}

/** The plain `*.parquet` files of the data folder, sorted; none when the folder is absent. */
export const plainFiles = (dataDir: string | null): string[] =>
  dataDir === null
    ? []
    : readdirSync(dataDir)
        .filter((name) => name.endsWith('.parquet'))
        .sort()

/** The data folder holds every file the lists above name, and enough plain files to mean something. */
export function expectListedFilesPresent(files: string[], dataDir: string | null): void {
  expect(files.length, `plain *.parquet files in ${dataDir}`).toBeGreaterThan(40)
  for (const name of [...Object.keys(PYARROW_UNREADABLE), ...Object.keys(REFUSED)]) {
    expect(files, `listed file ${name} is in the data folder`).toContain(name)
  }
}

/**
 * `pme encrypt <inputs...> --out-dir <outDir> <args>` in one CLI run; when a file makes the run fail,
 * records that run as the file's result, drops the file and runs the rest again. Returns each input's
 * run (the shared batch run on success).
 */
export async function encryptBatch(inputs: string[], outDir: string, args: string[]): Promise<Map<string, CliRun>> {
  const runs = new Map<string, CliRun>()
  let remaining = [...inputs]
  while (remaining.length > 0) {
    // --force: a rerun finds the outputs the failed run still wrote for the other files.
    const run = await pmeAsync(['encrypt', ...remaining, '--out-dir', outDir, '--force', ...args])
    if (run.status === 0) {
      for (const input of remaining) runs.set(input, run)
      break
    }
    const failed = remaining.find((input) => [',', ')', ':'].some((end) => run.stderr.includes(`${input}${end}`)))
    if (failed === undefined) {
      // The message names no input: fall back to one run per file so every file gets its own answer
      for (const input of remaining) {
        runs.set(input, await pmeAsync(['encrypt', input, '--out-dir', outDir, '--force', ...args]))
      }
      break
    }
    runs.set(failed, run)
    remaining = remaining.filter((input) => input !== failed)
  }
  return runs
}

/** A legitimate refusal of a REFUSED file: exit 1, one clear line naming the file, nothing left behind. */
export function expectRefused(run: CliRun, name: string, output: string): void {
  const refused = REFUSED[name]
  if (!refused) throw new Error(`${name} is not in REFUSED`)
  expect(run.status, `pme encrypt exit code (stderr: ${run.stderr})`).toBe(1)
  const lines = stderrLines(run)
  expect(lines, `stderr: ${run.stderr}`).toHaveLength(1)
  expect(lines[0]).toMatch(/^pme encrypt: /)
  expect(lines[0]).toMatch(refused.stderr)
  expect(existsSync(output), 'no output for a refused file').toBe(false)
}

/**
 * pyarrow's comparison of a copy (encrypted, or the output of `pme decrypt`) with its original: equal
 * in everything compare_files() checks, and with `tail` the file tail the copy must state. For a file
 * pyarrow cannot read at all, the copy must fail with the original's error.
 */
export function expectMatchesOriginal(
  result: PyCompareResult,
  name: string,
  copy: 'encrypted' | 'decrypted',
  tail?: FileTailEncryption,
): void {
  expect(result.ok, describeFailure(result as { ok: true })).toBe(true)
  if (!result.ok) return
  const reading = copy === 'encrypted' ? 'pyarrow decrypting' : "pyarrow reading pme decrypt's output"
  if (name in PYARROW_UNREADABLE) {
    expect(result.original.ok, 'pyarrow reads the original (remove it from PYARROW_UNREADABLE)').toBe(false)
    expect(result.same_error, `${describeFailure(result.candidate)} vs ${describeFailure(result.original)}`).toBe(true)
    return
  }
  expect(result.candidate.ok, `${reading}: ${describeFailure(result.candidate)}`).toBe(true)
  if (tail && result.candidate.ok) expect(result.candidate.encryption, 'file tail').toStrictEqual(tail)
  expect(result.differences, `${copy} copy vs original`).toEqual([])
}
