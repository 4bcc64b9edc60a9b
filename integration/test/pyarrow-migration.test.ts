/**
 * Key migration of files pyarrow wrote, read back by pyarrow and parquet-java: pyarrow's CryptoFactory
 * writes with one KMS (key list v1: kf, kc1, kc2), pme's migrateKeyMaterial moves them to another (key
 * list v2, the ids renamed through the map), and pyarrow and parquet-java (InMemoryKMS) read them with
 * the new KMS alone: every value, a re-signed plaintext footer checked by Arrow C++ and parquet-java,
 * the key material written by pme's key tools. The old KMS reads no encrypted column any more (pyarrow
 * tries), and the bytes before each footer did not change.
 * Expected values come from the input data, never from pme reading the files.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { type FileMigration, migrateKeyMaterial } from '@pme/core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { expectedColumns, pyColumns } from './data-shapes.js'
import { expectOk, resultOf as javaResultOf, runJava } from './java-driver.js'
import { describeFailure, type PyFailure, resultOf } from './pyarrow-crypto.js'
import {
  factoryWith,
  hasKeyMaterialFile,
  keyList,
  type MasterKeys,
  masterKeys,
  PME_SHAPE,
  type PyKmsJob,
  type PyKmsRead,
  type PyKmsWrite,
  ROW_GROUP_ROWS,
  runPyarrowKms,
} from './pyarrow-kms.js'

const python = inject('pmePython')
const javaCommand = inject('pmeJavaCommand')
const OLD_LIST = keyList(masterKeys(1))
const NEW_KEYS: MasterKeys = new Map([...masterKeys(2)].map(([id, key]) => [`moved-${id}`, key]))
const NEW_LIST = keyList(NEW_KEYS)
const MAP = { kf: 'moved-kf', kc1: 'moved-kc1', kc2: 'moved-kc2' }
const ENCRYPTED = ['a', 'b', 'c']
// pyarrow and parquet-java do not change with the Node version: the first pass is enough.
const skip = process.env.PME_IT_ONCE === 'skip'
if (skip) console.warn('[skip] pyarrow-migration: PME_IT_ONCE=skip, it ran in the first pass')

const CELLS = [
  { internal: true, plaintextFooter: false },
  { internal: true, plaintextFooter: true },
  { internal: false, plaintextFooter: false },
  { internal: false, plaintextFooter: true },
].map((cell, i) => ({
  ...cell,
  i,
  label: `${cell.internal ? 'internal' : 'external'} material, ${cell.plaintextFooter ? 'plaintext' : 'encrypted'} footer`,
}))

/** Where the footer region starts: everything before it is pages (and indexes). */
function footerOffset(bytes: Buffer): number {
  return bytes.length - 8 - bytes.readUInt32LE(bytes.length - 8)
}

describe.skipIf(skip)(
  'files pyarrow wrote, moved to another KMS by migrateKeyMaterial, read by pyarrow and parquet-java',
  () => {
    let dir: string
    const file = (i: number) => path.join(dir, `pyarrow-${i}.parquet`)
    const before = new Map<number, Buffer>()
    const migrations = new Map<number, FileMigration>()
    let reads: Map<string, unknown>
    let javaReads: Map<string, unknown>

    beforeAll(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'pme-pyarrow-migration-'))
      const writes: PyKmsJob[] = CELLS.map(({ i, internal, plaintextFooter }) => ({
        op: 'write',
        id: `write ${i}`,
        file: file(i),
        kms: { key_list: OLD_LIST },
        columns: pyColumns(PME_SHAPE),
        config: {
          footer_key: 'kf',
          column_keys: { kc1: ['a', 'b'], kc2: ['c'] },
          encryption_algorithm: 'AES_GCM_V1',
          plaintext_footer: plaintextFooter,
          double_wrapping: true,
          internal_key_material: internal,
          data_key_length_bits: 128,
        },
        options: { row_group_size: ROW_GROUP_ROWS },
      }))
      const written = runPyarrowKms(python, writes)
      for (const { i } of CELLS) {
        const result = resultOf<PyKmsWrite>(written, `write ${i}`)
        if (!result.ok) throw new Error(`pyarrow write ${i}: ${describeFailure(result)}`)
        before.set(i, readFileSync(file(i)))
      }
      const source = factoryWith(OLD_LIST).factory
      const target = factoryWith(NEW_LIST).factory
      for (const { i } of CELLS)
        migrations.set(i, await migrateKeyMaterial(file(i), { source, target, masterKeyMap: MAP }))
      reads = runPyarrowKms(python, [
        ...CELLS.map(({ i }): PyKmsJob => ({ op: 'read', id: `new ${i}`, file: file(i), kms: { key_list: NEW_LIST } })),
        ...CELLS.flatMap(({ i }) =>
          ENCRYPTED.map(
            (column): PyKmsJob => ({
              op: 'read',
              id: `old ${i} ${column}`,
              file: file(i),
              kms: { key_list: OLD_LIST },
              select: [column],
            }),
          ),
        ),
      ])
      javaReads = await runJava(
        javaCommand,
        CELLS.map(({ i }) => ({
          op: 'read',
          id: `java ${i}`,
          file: file(i),
          crypto: { mode: 'kms', keyList: NEW_LIST, token: `t${i}` },
        })),
      )
    }, 300_000)
    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true })
    })

    it.each(CELLS)(
      '$label: pyarrow and parquet-java read every value with the new KMS alone, none with the old',
      ({ i, internal }) => {
        expect(migrations.get(i)).toEqual({
          keyMaterial: internal ? 'internal' : 'external',
          outcome: 'migrated',
          keys: 4,
          moved: 4,
        })
        expect(hasKeyMaterialFile(file(i))).toBe(!internal)
        const after = readFileSync(file(i))
        const old = before.get(i) as Buffer
        const offset = footerOffset(old)
        expect(footerOffset(after)).toBe(offset)
        expect(after.subarray(0, offset).equals(old.subarray(0, offset))).toBe(true)

        const read = resultOf<PyKmsRead>(reads, `new ${i}`)
        expect(read.ok, describeFailure(read as { ok: true } | PyFailure)).toBe(true)
        expect((read as { columns: unknown }).columns).toStrictEqual(expectedColumns(PME_SHAPE))
        for (const column of ENCRYPTED) expect(resultOf<PyKmsRead>(reads, `old ${i} ${column}`).ok).toBe(false)

        const java = javaResultOf<{ ok: true; columns: unknown } | { ok: false; error_type: string; error: string }>(
          javaReads,
          `java ${i}`,
        )
        expectOk(java, 'parquet-java read')
        expect(java.columns).toStrictEqual(expectedColumns(PME_SHAPE))
      },
    )
  },
)
