/**
 * `pme encrypt --uniform --explicit-keys` of every plain parquet-testing file, in both algorithms and both footer
 * modes; pyarrow 25 decrypts each result (create_decryption_properties) and must read what it reads
 * from the original: the same Arrow schema and metadata, every value, the row groups and, per column
 * chunk, the page-index and dictionary flags, encodings, codec, value count and statistics (which a
 * plaintext footer must redact). Then `pme decrypt` of each result must give a file pyarrow reads
 * equal to the original, statistics included.
 *
 * The CLI runs once per mode over all files (--out-dir); a file it refuses is taken out of the batch
 * and the batch re-run, so each refusal is reported for its file. pyarrow compares everything in one
 * process.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type CliRun, pme, pmeMany, stderrLines } from './cli.js'
import { type CryptoMode, cryptoModes, KEY_LENGTHS, testKey } from './crypto-modes.js'
import { describeFailure, hex, type PyCompareResult, type PyJob, resultOf, runPyarrow } from './pyarrow-crypto.js'

const dataDir = inject('pmeTestDataDir')
const python = inject('pmePython')

/**
 * Plain files pyarrow 25 cannot read itself, so there is nothing to compare values with. For these
 * pyarrow must fail on the decrypted encrypted copy with the same error as on the original (which
 * shows that it got past the decryption to the same point).
 */
const PYARROW_UNREADABLE: Record<string, string> = {
  'incorrect_map_schema.parquet':
    'pyarrow rejects the schema ("Map keys must be annotated as required."): a MAP whose key is OPTIONAL, kept in parquet-testing for lenient readers',
}

/**
 * Plain files `pme encrypt` legitimately refuses: exit code 1 and one stderr line naming the file.
 * Encrypting module by module needs chunk sizes that cover the chunk's pages.
 */
const REFUSED: Record<string, { reason: string; stderr: RegExp }> = {
  'nation.dict-malformed.parquet': {
    reason:
      'total_compressed_size of the "name" chunk does not cover its pages (parquet-mr <= 1.2.8 left the dictionary page header out, PARQUET-816 / IMPALA-694); Arrow C++ pads the chunk range for such writers, pme refuses',
    stderr:
      /page runs past the end of its column chunk \(file .*nation\.dict-malformed\.parquet, row group 0, column name\)/,
  },
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

const MODES = cryptoModes(['none'])

interface ModeSetup {
  mode: CryptoMode
  index: number
  key: Uint8Array
  keyList: string
  encryptArgs: string[]
  encDir: string
  decDir: string
}

const skipReason = dataDir === null ? ' (SKIPPED: parquet-testing data not found; set PARQUET_TEST_DATA)' : ''

const plainFiles = (): string[] =>
  dataDir === null
    ? []
    : readdirSync(dataDir)
        .filter((name) => name.endsWith('.parquet'))
        .sort()

/**
 * Encrypts `inputs` in one CLI run; when a file makes the run fail, records that run as the file's
 * result, drops the file and runs the rest again. Returns each input's run (the shared batch run on
 * success).
 */
function encryptBatch(inputs: string[], setup: ModeSetup): Map<string, CliRun> {
  const runs = new Map<string, CliRun>()
  let remaining = [...inputs]
  while (remaining.length > 0) {
    const run = pme(['encrypt', ...remaining, '--out-dir', setup.encDir, ...setup.encryptArgs])
    if (run.status === 0) {
      for (const input of remaining) runs.set(input, run)
      break
    }
    const failed = remaining.find((input) => [',', ')', ':'].some((end) => run.stderr.includes(`${input}${end}`)))
    if (failed === undefined) {
      // The message names no input: fall back to one run per file so every file gets its own answer
      for (const input of remaining) {
        runs.set(input, pme(['encrypt', input, '--out-dir', setup.encDir, ...setup.encryptArgs]))
      }
      break
    }
    runs.set(failed, run)
    remaining = remaining.filter((input) => input !== failed)
  }
  return runs
}

describe.skipIf(dataDir === null)(
  `pme encrypt --uniform --explicit-keys of the plain parquet-testing files -> pyarrow${skipReason}`,
  () => {
    const files = plainFiles()
    const source = (name: string) => path.join(dataDir ?? '', name)
    let root = ''
    const setups: ModeSetup[] = MODES.map((mode, index) => {
      const key = testKey(KEY_LENGTHS[index % KEY_LENGTHS.length] as number, `encrypt-files ${mode.id}`)
      const keyList = `kf: ${Buffer.from(key).toString('base64')}`
      return {
        mode,
        index,
        key,
        keyList,
        // --explicit-keys: pyarrow's low-level API takes the data key itself, so the key list must hold
        // the data key (without it, kf names a KMS master key and each file gets a fresh wrapped data key)
        encryptArgs: [
          '--explicit-keys',
          '--footer-key',
          'kf',
          '--uniform',
          '--algorithm',
          mode.algorithm,
          ...(mode.footer === 'plaintext' ? ['--plaintext-footer'] : []),
          '--key-list',
          keyList,
        ],
        encDir: '',
        decDir: '',
      }
    })
    const encryptRuns = new Map<string, CliRun>()
    const decryptRuns = new Map<string, CliRun>()
    let compared: Map<string, unknown> | undefined
    const id = (setup: ModeSetup, stage: 'enc' | 'dec', name: string) => `${setup.mode.id} ${stage} ${name}`

    beforeAll(async () => {
      root = mkdtempSync(path.join(tmpdir(), 'pme-encrypt-files-'))
      const decryptions: { key: string; args: string[] }[] = []
      for (const setup of setups) {
        setup.encDir = path.join(root, `enc-${setup.index}`)
        setup.decDir = path.join(root, `dec-${setup.index}`)
        mkdirSync(setup.encDir)
        mkdirSync(setup.decDir)
        const runs = encryptBatch(files.filter((name) => !(name in REFUSED)).map(source), setup)
        for (const name of files.filter((n) => n in REFUSED)) {
          runs.set(
            source(name),
            pme(['encrypt', source(name), '-o', path.join(setup.encDir, name), ...setup.encryptArgs]),
          )
        }
        for (const name of files) {
          const run = runs.get(source(name)) as CliRun
          encryptRuns.set(id(setup, 'enc', name), run)
          if (run.status === 0) {
            decryptions.push({
              key: id(setup, 'dec', name),
              args: [
                'decrypt',
                path.join(setup.encDir, name),
                '-o',
                path.join(setup.decDir, name),
                '--key-list',
                setup.keyList,
              ],
            })
          }
        }
      }
      const results = await pmeMany(decryptions.map((d) => d.args))
      decryptions.forEach((d, i) => {
        decryptRuns.set(d.key, results[i] as CliRun)
      })

      const jobs: PyJob[] = []
      for (const setup of setups) {
        for (const name of files) {
          if (encryptRuns.get(id(setup, 'enc', name))?.status === 0) {
            jobs.push({
              op: 'compare',
              id: id(setup, 'enc', name),
              original: source(name),
              candidate: path.join(setup.encDir, name),
              key: hex(setup.key),
              redacted_statistics: setup.mode.footer === 'plaintext',
              checksums: true,
            })
          }
          if (decryptRuns.get(id(setup, 'dec', name))?.status === 0) {
            jobs.push({
              op: 'compare',
              id: id(setup, 'dec', name),
              original: source(name),
              candidate: path.join(setup.decDir, name),
              checksums: true,
            })
          }
        }
      }
      compared = runPyarrow(python, jobs)
    }, 300_000)

    afterAll(() => {
      if (root) rmSync(root, { recursive: true, force: true })
    })

    it('finds the plain files', () => {
      expect(files.length, `plain *.parquet files in ${dataDir}`).toBeGreaterThan(40)
      for (const name of [...Object.keys(PYARROW_UNREADABLE), ...Object.keys(REFUSED)]) {
        expect(files, `listed file ${name} is in the data folder`).toContain(name)
      }
    })

    for (const setup of setups) {
      describe(setup.mode.id.replace('/aad-none', ''), () => {
        it.each(files)('%s', (name) => {
          const encrypt = encryptRuns.get(id(setup, 'enc', name)) as CliRun
          const refused = REFUSED[name]
          if (refused) {
            // A legitimate refusal: exit 1, one clear line naming the file, nothing left behind
            expect(encrypt.status, `pme encrypt exit code (stderr: ${encrypt.stderr})`).toBe(1)
            const lines = stderrLines(encrypt)
            expect(lines, `stderr: ${encrypt.stderr}`).toHaveLength(1)
            expect(lines[0]).toMatch(/^pme encrypt: /)
            expect(lines[0]).toMatch(refused.stderr)
            expect(existsSync(path.join(setup.encDir, name)), 'no output for a refused file').toBe(false)
            return
          }
          expect(encrypt.status, `pme encrypt exit code (stderr: ${encrypt.stderr.trim()})`).toBe(0)

          const encrypted = resultOf<PyCompareResult>(compared, id(setup, 'enc', name))
          expect(encrypted.ok, describeFailure(encrypted as { ok: true })).toBe(true)
          if (!encrypted.ok) return
          if (name in PYARROW_UNREADABLE) {
            expect(encrypted.original.ok, 'pyarrow reads the original (remove it from PYARROW_UNREADABLE)').toBe(false)
            expect(
              encrypted.same_error,
              `${describeFailure(encrypted.candidate)} vs ${describeFailure(encrypted.original)}`,
            ).toBe(true)
          } else {
            expect(encrypted.candidate.ok, `pyarrow decrypting: ${describeFailure(encrypted.candidate)}`).toBe(true)
            if (encrypted.candidate.ok) {
              expect(encrypted.candidate.encryption, 'file tail').toStrictEqual({
                magic: setup.mode.footer === 'encrypted' ? 'PARE' : 'PAR1',
                algorithm: setup.mode.algorithm,
                aad_prefix: null,
                supply_aad_prefix: false,
              })
            }
            expect(encrypted.differences, 'encrypted copy vs original').toEqual([])
          }

          const decrypt = decryptRuns.get(id(setup, 'dec', name)) as CliRun
          expect(decrypt.status, `pme decrypt exit code (stderr: ${decrypt.stderr.trim()})`).toBe(0)
          const decrypted = resultOf<PyCompareResult>(compared, id(setup, 'dec', name))
          expect(decrypted.ok, describeFailure(decrypted as { ok: true })).toBe(true)
          if (!decrypted.ok) return
          if (name in PYARROW_UNREADABLE) {
            expect(
              decrypted.same_error,
              `${describeFailure(decrypted.candidate)} vs ${describeFailure(decrypted.original)}`,
            ).toBe(true)
          } else {
            expect(
              decrypted.candidate.ok,
              `pyarrow reading pme decrypt's output: ${describeFailure(decrypted.candidate)}`,
            ).toBe(true)
            expect(decrypted.differences, 'decrypted copy vs original').toEqual([])
          }
        })
      })
    }

    // Page CRCs are computed over the stored (encrypted) bytes (pme-reference §2) and pyarrow verifies
    // them before decrypting. A page whose CRC does not match must not come out with a valid one: that
    // would turn detectable corruption into authenticated data. The CLI may refuse such a file instead.
    describe('page checksums keep their validity (pyarrow page_checksum_verification=True)', () => {
      const checked = files.filter((name) => !(name in REFUSED) && !(name in PYARROW_UNREADABLE))
      it.each(checked)('%s', (name) => {
        let checks = 0
        for (const setup of setups) {
          for (const stage of ['enc', 'dec'] as const) {
            const run = (stage === 'enc' ? encryptRuns : decryptRuns).get(id(setup, stage, name))
            if (run?.status !== 0) continue // the CLI failure is reported by the test above
            const result = resultOf<PyCompareResult>(compared, id(setup, stage, name))
            if (!result.ok || !result.checksums) continue // reported by the test above
            const { original, candidate } = result.checksums
            const copy = stage === 'enc' ? 'encrypted' : 'decrypted'
            const outcome = (error: string | null) => (error === null ? 'verify' : `fail (${error})`)
            expect
              .soft(
                candidate === null,
                `${setup.mode.id} ${copy} copy: CRCs ${outcome(candidate)}; original: CRCs ${outcome(original)}`,
              )
              .toBe(original === null)
            checks++
          }
        }
        expect(checks, 'copies checked (none: pme encrypt or decrypt failed, see above)').toBeGreaterThan(0)
      })
    })
  },
)
