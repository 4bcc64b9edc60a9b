import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { coreDist } from '../setup/paths.js'
import { pme } from './cli.js'
import { SparkSession, sparkSkipReason } from './spark-session.js'

/**
 * The Spark user's workflow with pme (Spark 4.3.0, parquet-java 1.17.0, InMemoryKMS from its tests jar):
 * the guide's properties pasted into pme.config.json as they are, and `pme rotate <folder>` where
 * Spark reads afterwards through Hadoop's checksum file system (the .crc sidecars it wrote).
 */

// IBM's Spark guide (Korean edition), "사용 예제": its key list, column keys and footer key, verbatim.
const GUIDE_KEY_LIST = 'key1: AAECAwQFBgcICQoLDA0ODw==, key2: AAECAAECAAECAAECAAECAA=='
const NEW_KEY_LIST = 'key1: EBESExQVFhcYGRobHB0eHw==, key2: ICEiIyQlJicoKSorLC0uLw=='
const GUIDE_WRITE_OPTIONS = {
  'parquet.encryption.column.keys': 'key1:square_int_column',
  'parquet.encryption.footer.key': 'key2',
}
// The guide's properties with IBMKeyToolsFactory (IBM Analytics Engine's factory), as it writes them.
const GUIDE_IBM = {
  'parquet.crypto.factory.class': 'com.ibm.parquet.key.management.IBMKeyToolsFactory',
  'parquet.encryption.key.list': GUIDE_KEY_LIST,
  ...GUIDE_WRITE_OPTIONS,
}
// What open-source Spark runs instead: parquet-java's factory and its InMemoryKMS.
const SPARK = {
  'parquet.crypto.factory.class': 'org.apache.parquet.crypto.keytools.PropertiesDrivenCryptoFactory',
  'parquet.encryption.kms.client.class': 'org.apache.parquet.crypto.keytools.mocks.InMemoryKMS',
  'parquet.encryption.key.list': GUIDE_KEY_LIST,
}
const EXTERNAL = { 'parquet.encryption.key.material.store.internally': 'false' }

const squares = (n: number) => Array.from({ length: n }, (_, i) => [i + 1, (i + 1) ** 2])

describe.skipIf(sparkSkipReason)('Spark workflow', () => {
  let spark: SparkSession
  let dir: string
  let hadoopChecksumBytes: (file: string, bytesPerChecksum?: number) => Promise<Uint8Array>

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'pme-spark-'))
    ;({ hadoopChecksumBytes } = await import(coreDist))
    spark = await SparkSession.start()
  }, 900_000)

  afterAll(async () => {
    await spark?.stop()
    rmSync(dir, { recursive: true, force: true })
  }, 60_000)

  const config = (name: string, properties: object) => {
    const file = path.join(dir, name)
    writeFileSync(file, JSON.stringify(properties, null, 2))
    return file
  }
  const dataFiles = (folder: string) =>
    readdirSync(folder)
      .filter((name) => name.startsWith('part-'))
      .map((name) => path.join(folder, name))
  const pmeRows = (file: string, args: string[]) => {
    const run = pme(['cat', file, '--columns', 'int_column,square_int_column', '--format', 'csv', ...args])
    expect(run.stderr).toBe('')
    return run.stdout
      .trim()
      .split('\n')
      .slice(1)
      .filter(Boolean)
      .map((line) => line.split(',').map(Number))
  }

  /** Every .crc sidecar in the folder, with whether it matches its file (Hadoop's bytes vs pme's). */
  async function sidecars(folder: string): Promise<Map<string, boolean>> {
    const result = new Map<string, boolean>()
    for (const name of readdirSync(folder).filter((n) => n.startsWith('.') && n.endsWith('.crc'))) {
      const file = path.join(folder, name.slice(1, -'.crc'.length))
      const sidecar = readFileSync(path.join(folder, name))
      const expected = Buffer.from(await hadoopChecksumBytes(file, sidecar.readInt32BE(4)))
      result.set(name, expected.equals(sidecar))
    }
    return result
  }

  it("the guide's properties, pasted into pme.config.json as they are, read what Spark wrote and write what Spark reads", async () => {
    const written = path.join(dir, 'squares.parquet.encrypted')
    await spark.write({ path: written, hadoop: SPARK, options: GUIDE_WRITE_OPTIONS, rows: 6 })
    const sparkConfig = config('spark.config.json', SPARK)
    const rows = dataFiles(written).flatMap((file) => pmeRows(file, ['--config', sparkConfig]))
    expect(rows.sort((a, b) => (a[0] as number) - (b[0] as number))).toEqual(squares(6))

    // The guide's IBMKeyToolsFactory configuration encrypts Spark's plaintext files for Spark to read.
    const plain = path.join(dir, 'squares.parquet')
    await spark.write({ path: plain, hadoop: {}, rows: 6 })
    const encrypted = path.join(dir, 'squares.pme.encrypted')
    const guideConfig = config('guide.config.json', GUIDE_IBM)
    const run = pme(['encrypt', ...dataFiles(plain), '--out-dir', encrypted, '--config', guideConfig])
    expect(run.stderr).toMatch(/^pme encrypt: 2 files encrypted, /)
    expect(run.status).toBe(0)
    expect(await spark.read(encrypted, SPARK)).toEqual({ ok: true, rows: squares(6) })
    expect((await spark.read(encrypted, {})).ok).toBe(false)
  }, 300_000)

  it('pme rotate <folder> re-wraps what Spark wrote; Spark reads it with the new keys, .crc sidecars and all', async () => {
    const folder = path.join(dir, 'rotated.parquet.encrypted')
    await spark.write({ path: folder, hadoop: { ...SPARK, ...EXTERNAL }, options: GUIDE_WRITE_OPTIONS, rows: 20 })
    const materials = readdirSync(folder).filter((name) => name.startsWith('_KEY_MATERIAL_FOR_part-'))
    expect(materials).toHaveLength(2)
    // Hadoop wrote a sidecar for each data and key material file; pme computes the same bytes.
    const before = await sidecars(folder)
    for (const name of [...dataFiles(folder).map((file) => path.basename(file)), ...materials]) {
      expect(before.get(`.${name}.crc`), name).toBe(true)
    }
    const oldMaterial = materials.map((name) => readFileSync(path.join(folder, name), 'utf8'))

    // parquet-java's spelling: the guide's key list holds the old keys, --new-key-list the new ones.
    const rotated = pme([
      'rotate',
      folder,
      '--config',
      config('old.config.json', SPARK),
      '--new-key-list',
      NEW_KEY_LIST,
    ])
    expect(rotated.stderr).toMatch(/^pme rotate: 2 files rotated, in [\d.]+ s\n$/)
    expect(rotated.status).toBe(0)
    expect(materials.map((name) => readFileSync(path.join(folder, name), 'utf8'))).not.toEqual(oldMaterial)
    expect([...(await sidecars(folder)).values()].every(Boolean)).toBe(true)
    const withNew = { ...SPARK, 'parquet.encryption.key.list': NEW_KEY_LIST }
    expect(await spark.read(folder, withNew)).toEqual({ ok: true, rows: squares(20) })
    expect((await spark.read(folder, SPARK)).ok).toBe(false)

    // InMemoryKMS's own rotation property, in the config file: key.list old, new.key.list new.
    const back = config('back.config.json', { ...withNew, 'parquet.encryption.new.key.list': GUIDE_KEY_LIST })
    const rotatedBack = pme(['rotate', folder, '--config', back, '--quiet'])
    expect(rotatedBack.stderr).toBe('')
    expect(rotatedBack.status).toBe(0)
    expect(await spark.read(folder, SPARK)).toEqual({ ok: true, rows: squares(20) })
  }, 300_000)

  it('key material inside the files is rotated only when asked, and Spark reads the rewritten footers', async () => {
    const folder = path.join(dir, 'internal.parquet.encrypted')
    await spark.write({ path: folder, hadoop: SPARK, options: GUIDE_WRITE_OPTIONS, rows: 10 })
    const args = ['rotate', folder, '--config', config('internal.config.json', SPARK), '--new-key-list', NEW_KEY_LIST]
    const refused = pme(args)
    expect(refused.status).toBe(1)
    expect(refused.stderr).toContain('pass --in-file-key-material')
    expect(await spark.read(folder, SPARK)).toEqual({ ok: true, rows: squares(10) })

    const rotated = pme([...args, '--in-file-key-material'])
    expect(rotated.stderr).toMatch(/^pme rotate: 2 files rotated/)
    expect(rotated.status).toBe(0)
    expect([...(await sidecars(folder)).values()].every(Boolean)).toBe(true)
    const withNew = { ...SPARK, 'parquet.encryption.key.list': NEW_KEY_LIST }
    expect(await spark.read(folder, withNew)).toEqual({ ok: true, rows: squares(10) })
    expect((await spark.read(folder, SPARK)).ok).toBe(false)
  }, 300_000)
})
