import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { type Projection, type ReaderResults, readAccessMatrix } from './access-matrix.js'
import { writeDemoConfig } from './demo-config.js'
import type { DemoKms } from './demo-kms.js'
import { describeFile, type FileSummary } from './describe-file.js'
import { embeddedKms } from './embedded-kms.js'
import { demoMasterKeys } from './master-keys.js'
import { generatePeople } from './people.js'
import { READERS } from './privileges.js'
import { PROJECTIONS } from './projections.js'
import { allColumnsSample, readableColumnsSample, type Sample } from './samples.js'
import { writePeople } from './write-people.js'

export interface DemoOptions {
  /** Go through the HTTP KMS server instead of the in-memory KMS. */
  server: boolean
  rows: number
  seed: number
  /** The folder the dataset and its KMS configuration are kept in (created; its files replaced). */
  out: string
  /** The HTTP KMS's port under --server. */
  port: number
}

/** Everything the demo found, for the text and JSON reports. */
export interface DemoReport {
  kms: string
  masterKeyCount: number
  file: FileSummary
  projections: readonly Projection[]
  matrix: ReaderResults[]
  samples: Sample[]
  /** Where the dataset stays: the encrypted file and the KMS configuration that opens it. */
  dataset: { folder: string; file: string; config: string }
  /** The HTTP KMS's URL under --server. */
  kmsUrl: string | undefined
}

const FILE_NAME = 'people.parquet.encrypted'
const SAMPLE_ROWS = 3
/** The reader whose partial view is shown: refused "all columns", it still reads its own ones. */
const PARTIAL_SAMPLE_LEVEL = 'INTERNAL'

async function openKms(options: DemoOptions, masterKeys: Map<string, Uint8Array>, config: string): Promise<DemoKms> {
  if (!options.server) return embeddedKms(masterKeys)
  const { serverKms } = await import('./server-kms.js')
  return serverKms(config, options.port)
}

async function samplesOf(path: string, kms: DemoKms, matrix: ReaderResults[]): Promise<Sample[]> {
  const samples: Sample[] = []
  const highest = matrix[matrix.length - 1]
  const full = highest && allColumnsSample(highest)
  if (full) samples.push(full)
  const partial = matrix.find((results) => results.reader.level === PARTIAL_SAMPLE_LEVEL)
  if (partial) samples.push(await readableColumnsSample(path, kms, partial, SAMPLE_ROWS))
  return samples
}

/**
 * Writes the people table into the `out` folder with one master key per level (and the KMS
 * configuration that opens it), and reads it back with every token and projection. The KMS is
 * returned open: the caller closes it (under --server, after Ctrl-C).
 */
export async function runDemo(options: DemoOptions): Promise<{ report: DemoReport; kms: DemoKms }> {
  const masterKeys = demoMasterKeys()
  await mkdir(options.out, { recursive: true })
  const config = await writeDemoConfig(options.out, masterKeys)
  const kms = await openKms(options, masterKeys, config)
  try {
    const path = join(options.out, FILE_NAME)
    await writePeople(path, generatePeople(options.rows, options.seed), kms)
    const file = await describeFile(path, kms)
    const matrix = await readAccessMatrix(path, kms, READERS, PROJECTIONS, SAMPLE_ROWS)
    const samples = await samplesOf(path, kms, matrix)
    const report = {
      kms: kms.description,
      masterKeyCount: masterKeys.size,
      file,
      projections: PROJECTIONS,
      matrix,
      samples,
      dataset: { folder: options.out, file: path, config },
      kmsUrl: kms.url,
    }
    return { report, kms }
  } catch (error) {
    await kms.close()
    throw error
  }
}
