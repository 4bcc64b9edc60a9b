/**
 * `pme encrypt` in its default KMS mode, with column keys on half the leaves, of every plain
 * parquet-testing file (the list of pyarrow-encrypt-files.test.ts, parquet-testing-files.ts):
 *
 *   pme encrypt <files> --out-dir <dir> --footer-key kf --column-keys "kc1:<leaves>;kc2:<leaves>"
 *               --key-list "kf: <b64>, kc1: <b64>, kc2: <b64>"
 *
 * The local KMS holds the three master keys; every file gets fresh data keys, wrapped as PKMT1 key
 * material. Leaves 0, 4, 8... get kc1, leaves 2, 6, 10... kc2, the odd ones stay in plaintext, by the
 * dot paths pyarrow gives the file's schema (pme inspect's where pyarrow cannot read it). In both
 * algorithms and both footer modes, with internal and external key material and double and single
 * wrapping spread over them:
 *
 *   - pme's report of each encrypted file (inspectFile) shows that layout: which leaf has which
 *     master key, which is plaintext, the footer mode, algorithm and wrapping;
 *   - pyarrow 25 decrypts each result with its CryptoFactory and the InMemoryKMS-compatible client
 *     of python/pyarrow_kms.py, and must read what it reads from the original (compare_files: schema,
 *     values, row groups, chunk metadata, statistics; with no footer-key columns nothing is redacted:
 *     under a plaintext footer pyarrow decrypts a column-key column's own ColumnMetaData);
 *   - in two of the modes (both algorithms, both footer modes, both material stores and wrappings),
 *     `pme decrypt` of each result must give a file pyarrow reads equal to the original.
 *
 * --column-keys differ per schema, so the CLI runs once per group of files with the same leaves and
 * per mode, two runs at a time; pyarrow compares everything in one process.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { type FileReport, inspectFile } from '@pme/core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type CliRun, inParallel, pmeAsync, pmeMany } from './cli.js'
import { type CryptoMode, cryptoModes } from './crypto-modes.js'
import {
  encryptBatch,
  expectListedFilesPresent,
  expectMatchesOriginal,
  expectRefused,
  PYARROW_UNREADABLE,
  plainFiles,
  REFUSED,
} from './parquet-testing-files.js'
import { describeFailure, type PyCompareResult, type PyLeavesResult, resultOf, runPyarrow } from './pyarrow-crypto.js'
import {
  factoryWith,
  hasKeyMaterialFile,
  keyListOf,
  keyRecord,
  masterKeys,
  metadataText,
  type PyKmsJob,
  runPyarrowKms,
} from './pyarrow-kms.js'

const dataDir = inject('pmeTestDataDir')
const python = inject('pmePython')

const KEY_LIST = keyListOf(masterKeys(1), ['kf', 'kc1', 'kc2'])

interface KmsMode extends CryptoMode {
  /** --external-key-material: the key material in _KEY_MATERIAL_FOR_<file>.json next to the file. */
  external: boolean
  /** Without it, --no-double-wrapping. */
  double: boolean
  /** `pme decrypt` of every result, and the REFUSED files (their refusal does not depend on the mode). */
  decrypt: boolean
  encDir: string
  decDir: string
}

/**
 * AES_GCM_V1: double wrapping, AES_GCM_CTR_V1: single; plaintext footer: external key material. pme
 * decrypt runs, and the refused files are tried, in AES_GCM_V1 / encrypted footer (internal, double)
 * and AES_GCM_CTR_V1 / plaintext footer (external, single).
 */
const MODES: KmsMode[] = cryptoModes(['none']).map((mode) => {
  const gcm = mode.algorithm === 'AES_GCM_V1'
  const plaintext = mode.footer === 'plaintext'
  return { ...mode, external: plaintext, double: gcm, decrypt: gcm !== plaintext, encDir: '', decDir: '' }
})

const modeName = (mode: KmsMode): string =>
  [
    mode.algorithm,
    `${mode.footer} footer`,
    `${mode.external ? 'external' : 'internal'} key material`,
    `${mode.double ? 'double' : 'single'} wrapping`,
  ].join(' / ')

const encryptArgs = (mode: KmsMode, columnKeys: string): string[] => [
  '--footer-key',
  'kf',
  '--column-keys',
  columnKeys,
  '--algorithm',
  mode.algorithm,
  ...(mode.footer === 'plaintext' ? ['--plaintext-footer'] : []),
  ...(mode.external ? ['--external-key-material'] : []),
  ...(mode.double ? [] : ['--no-double-wrapping']),
  '--key-list',
  KEY_LIST,
]

/** The master key of each leaf: kc1 and kc2 in turn on the even-indexed leaves, null (plaintext) on the others. */
const masterKeyOfLeaf = (index: number): string | null => (index % 2 === 1 ? null : index % 4 === 0 ? 'kc1' : 'kc2')

/** The --column-keys value for a file's leaves, in parquet-java's "id:col,col;id:col" form. */
function columnKeysArg(leaves: string[]): string {
  return ['kc1', 'kc2']
    .map((id) => [id, leaves.filter((_, i) => masterKeyOfLeaf(i) === id)] as const)
    .filter(([, columns]) => columns.length > 0)
    .map(([id, columns]) => `${id}:${columns.join(',')}`)
    .join(';')
}

const skipReason = dataDir === null ? ' (SKIPPED: parquet-testing data not found; set PARQUET_TEST_DATA)' : ''

describe.skipIf(dataDir === null)(
  `pme encrypt --column-keys (half the leaves, KMS) of the plain parquet-testing files -> pyarrow CryptoFactory${skipReason}`,
  () => {
    const files = plainFiles(dataDir)
    const source = (name: string) => path.join(dataDir ?? '', name)
    let root = ''
    /** Leaf dot paths per file, and where they came from. */
    const leavesOf = new Map<string, { leaves: string[]; from: 'pyarrow' | 'pme inspect' }>()
    const pyarrowLeaves = new Map<string, PyLeavesResult>()
    const encryptRuns = new Map<string, CliRun>()
    const decryptRuns = new Map<string, CliRun>()
    const reports = new Map<string, FileReport | Error>()
    let compared: Map<string, unknown> | undefined
    const id = (mode: KmsMode, stage: 'enc' | 'dec', name: string) => `${mode.id} ${stage} ${name}`
    const encrypted = (mode: KmsMode, name: string) => path.join(mode.encDir, name)
    const decrypted = (mode: KmsMode, name: string) => path.join(mode.decDir, name)
    const filesOf = (mode: KmsMode) => (mode.decrypt ? files : files.filter((name) => !(name in REFUSED)))

    beforeAll(async () => {
      root = mkdtempSync(path.join(tmpdir(), 'pme-encrypt-files-kms-'))
      for (const [index, mode] of MODES.entries()) {
        mode.encDir = path.join(root, `enc-${index}`)
        mode.decDir = path.join(root, `dec-${index}`)
        mkdirSync(mode.encDir)
        mkdirSync(mode.decDir)
      }

      // The leaves of each file: pyarrow's schema, or pme inspect's where pyarrow cannot read it
      const named = runPyarrow(
        python,
        files.map((name) => ({ op: 'leaves', id: name, file: source(name) })),
      )
      const unnamed: string[] = []
      for (const name of files) {
        const result = resultOf<PyLeavesResult>(named, name)
        pyarrowLeaves.set(name, result)
        if (result.ok) leavesOf.set(name, { leaves: result.leaves, from: 'pyarrow' })
        else unnamed.push(name)
      }
      const inspected = await pmeMany(unnamed.map((name) => ['inspect', source(name), '--json']))
      unnamed.forEach((name, i) => {
        const run = inspected[i] as CliRun
        if (run.status !== 0) return // reported by the leaves test
        const report = JSON.parse(run.stdout) as FileReport
        leavesOf.set(name, { leaves: (report.columns ?? []).map((c) => c.path), from: 'pme inspect' })
      })

      // One CLI run per mode and group of files with the same column keys; refused files one by one
      const groups = new Map<string, string[]>()
      for (const name of files.filter((n) => !(n in REFUSED) && leavesOf.has(n))) {
        const arg = columnKeysArg(leavesOf.get(name)?.leaves ?? [])
        groups.set(arg, [...(groups.get(arg) ?? []), name])
      }
      const tasks: (() => Promise<[string, CliRun][]>)[] = MODES.flatMap((mode) => [
        ...[...groups].map(([arg, names]) => async () => {
          const runs = await encryptBatch(names.map(source), mode.encDir, encryptArgs(mode, arg))
          return names.map((name): [string, CliRun] => [id(mode, 'enc', name), runs.get(source(name)) as CliRun])
        }),
        ...filesOf(mode)
          .filter((name) => name in REFUSED && leavesOf.has(name))
          .map((name) => async (): Promise<[string, CliRun][]> => {
            const arg = columnKeysArg(leavesOf.get(name)?.leaves ?? [])
            const args = ['encrypt', source(name), '-o', encrypted(mode, name), ...encryptArgs(mode, arg)]
            return [[id(mode, 'enc', name), await pmeAsync(args)]]
          }),
      ])
      for (const runs of await inParallel(tasks)) for (const [key, run] of runs) encryptRuns.set(key, run)

      const succeeded = MODES.flatMap((mode) =>
        files.filter((name) => encryptRuns.get(id(mode, 'enc', name))?.status === 0).map((name) => ({ mode, name })),
      )
      const decryptions = succeeded.filter(({ mode }) => mode.decrypt)
      const results = await pmeMany(
        decryptions.map(({ mode, name }) => [
          'decrypt',
          encrypted(mode, name),
          '-o',
          decrypted(mode, name),
          '--key-list',
          KEY_LIST,
        ]),
      )
      decryptions.forEach(({ mode, name }, i) => {
        decryptRuns.set(id(mode, 'dec', name), results[i] as CliRun)
      })

      // pme's own report of each encrypted file: which leaf has which key
      const { factory } = factoryWith(KEY_LIST)
      for (const { mode, name } of succeeded) {
        const file = encrypted(mode, name)
        try {
          reports.set(id(mode, 'enc', name), await inspectFile(file, factory.fileDecryptionProperties({}, {}, file)))
        } catch (error) {
          reports.set(id(mode, 'enc', name), error as Error)
        }
      }

      const jobs: PyKmsJob[] = succeeded.map(({ mode, name }) => ({
        op: 'compare',
        id: id(mode, 'enc', name),
        original: source(name),
        candidate: encrypted(mode, name),
        kms: { key_list: KEY_LIST },
      }))
      for (const { mode, name } of decryptions) {
        if (decryptRuns.get(id(mode, 'dec', name))?.status !== 0) continue
        jobs.push({
          op: 'compare',
          id: id(mode, 'dec', name),
          original: source(name),
          candidate: decrypted(mode, name),
          kms: null,
        })
      }
      compared = runPyarrowKms(python, jobs)
    }, 300_000)

    afterAll(() => {
      if (root) rmSync(root, { recursive: true, force: true })
    })

    it('finds the plain files', () => {
      expectListedFilesPresent(files, dataDir)
    })

    it.each(files)('leaves of %s: from pyarrow (pme inspect where pyarrow cannot read the schema)', (name) => {
      const fromPyarrow = pyarrowLeaves.get(name) as PyLeavesResult
      expect(fromPyarrow.ok, `pyarrow names the leaves: ${describeFailure(fromPyarrow)}`).toBe(
        !(name in PYARROW_UNREADABLE),
      )
      const entry = leavesOf.get(name)
      expect(entry, 'leaves (pme inspect failed?)').toBeDefined()
      expect(entry?.leaves.length, 'leaves').toBeGreaterThan(0)
      for (const leaf of entry?.leaves ?? []) {
        expect(leaf, 'a leaf name that fits the --column-keys syntax').not.toMatch(/[,;]/)
      }
    })

    for (const mode of MODES) {
      describe(modeName(mode), () => {
        it.each(filesOf(mode))('%s', (name) => {
          const encrypt = encryptRuns.get(id(mode, 'enc', name))
          expect(encrypt, 'pme encrypt ran (the leaves test tells why not)').toBeDefined()
          if (!encrypt) return
          if (name in REFUSED) {
            expectRefused(encrypt, name, encrypted(mode, name))
            expect(hasKeyMaterialFile(encrypted(mode, name)), 'no key material left for a refused file').toBe(false)
            return
          }
          expect(encrypt.status, `pme encrypt exit code (stderr: ${encrypt.stderr.trim()})`).toBe(0)

          // The file has the layout asked for: kc1, kc2 and plaintext leaves, footer key kf
          const report = reports.get(id(mode, 'enc', name))
          expect(report, 'pme inspect of the encrypted file').not.toBeInstanceOf(Error)
          const file = encrypted(mode, name)
          const r = report as FileReport
          expect([r.footer, r.algorithm, r.footerMasterKeyId], 'footer mode, algorithm, footer master key').toEqual([
            mode.footer,
            mode.algorithm,
            'kf',
          ])
          const leaves = leavesOf.get(name)?.leaves ?? []
          expect(
            (r.columns ?? []).map((c) => [c.path, c.key, c.masterKeyId]),
            'leaf columns: [path, key, master key]',
          ).toEqual(leaves.map((leaf, i) => [leaf, masterKeyOfLeaf(i) && 'column', masterKeyOfLeaf(i)]))
          expect(hasKeyMaterialFile(file), 'external key material file').toBe(mode.external)
          const footer = keyRecord(metadataText(r.footerKeyMetadata, 'footer'), file, 'footer')
          expect(footer.material.doubleWrapping, 'doubleWrapping').toBe(mode.double)
          expect(footer.metadata.internalStorage, 'internalStorage').toBe(!mode.external)

          expectMatchesOriginal(resultOf<PyCompareResult>(compared, id(mode, 'enc', name)), name, 'encrypted', {
            magic: mode.footer === 'encrypted' ? 'PARE' : 'PAR1',
            algorithm: mode.algorithm,
            aad_prefix: null,
            supply_aad_prefix: false,
          })

          if (!mode.decrypt) return
          const decrypt = decryptRuns.get(id(mode, 'dec', name)) as CliRun
          expect(decrypt.status, `pme decrypt exit code (stderr: ${decrypt.stderr.trim()})`).toBe(0)
          expectMatchesOriginal(resultOf<PyCompareResult>(compared, id(mode, 'dec', name)), name, 'decrypted')
        })
      })
    }
  },
)
