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
 * process. The file lists and shared checks are in parquet-testing-files.ts; the same files encrypted
 * with column keys through the KMS are pyarrow-encrypt-files-kms.test.ts.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type CliRun, inParallel, pmeMany } from './cli.js'
import { type CryptoMode, cryptoModes, KEY_LENGTHS, testKey } from './crypto-modes.js'
import {
  encryptBatch,
  expectListedFilesPresent,
  expectMatchesOriginal,
  expectRefused,
  PYARROW_UNREADABLE,
  plainFiles,
  REFUSED,
} from './parquet-testing-files.js'
import { hex, type PyCompareResult, type PyJob, resultOf, runPyarrow } from './pyarrow-crypto.js'

const dataDir = inject('pmeTestDataDir')
const python = inject('pmePython')

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

describe.skipIf(dataDir === null)(
  `pme encrypt --uniform --explicit-keys of the plain parquet-testing files -> pyarrow${skipReason}`,
  () => {
    const files = plainFiles(dataDir)
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
      }
      const refused = files.filter((name) => name in REFUSED)
      const batches = await inParallel(
        setups.map(
          (setup) => () =>
            encryptBatch(files.filter((name) => !(name in REFUSED)).map(source), setup.encDir, setup.encryptArgs),
        ),
      )
      const refusals = await pmeMany(
        setups.flatMap((setup) =>
          refused.map((name) => ['encrypt', source(name), '-o', path.join(setup.encDir, name), ...setup.encryptArgs]),
        ),
      )
      for (const [s, setup] of setups.entries()) {
        const runs = batches[s] as Map<string, CliRun>
        refused.forEach((name, r) => {
          runs.set(source(name), refusals[s * refused.length + r] as CliRun)
        })
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
      expectListedFilesPresent(files, dataDir)
    })

    for (const setup of setups) {
      describe(setup.mode.id.replace('/aad-none', ''), () => {
        it.each(files)('%s', (name) => {
          const encrypt = encryptRuns.get(id(setup, 'enc', name)) as CliRun
          if (name in REFUSED) {
            expectRefused(encrypt, name, path.join(setup.encDir, name))
            return
          }
          expect(encrypt.status, `pme encrypt exit code (stderr: ${encrypt.stderr.trim()})`).toBe(0)
          expectMatchesOriginal(resultOf<PyCompareResult>(compared, id(setup, 'enc', name)), name, 'encrypted', {
            magic: setup.mode.footer === 'encrypted' ? 'PARE' : 'PAR1',
            algorithm: setup.mode.algorithm,
            aad_prefix: null,
            supply_aad_prefix: false,
          })

          const decrypt = decryptRuns.get(id(setup, 'dec', name)) as CliRun
          expect(decrypt.status, `pme decrypt exit code (stderr: ${decrypt.stderr.trim()})`).toBe(0)
          expectMatchesOriginal(resultOf<PyCompareResult>(compared, id(setup, 'dec', name)), name, 'decrypted')
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
