import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Projection, type ReaderResults, readAccessMatrix } from './access-matrix.js'
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
}

/** Everything the demo found, for the text and JSON reports. */
export interface DemoReport {
  kms: string
  masterKeyCount: number
  file: FileSummary
  projections: readonly Projection[]
  matrix: ReaderResults[]
  samples: Sample[]
}

const FILE_NAME = 'people.parquet.encrypted'
const SAMPLE_ROWS = 3
/** The reader whose partial view is shown: refused "all columns", it still reads its own ones. */
const PARTIAL_SAMPLE_LEVEL = 'INTERNAL'

async function openKms(options: DemoOptions, masterKeys: Map<string, Uint8Array>): Promise<DemoKms> {
  if (!options.server) return embeddedKms(masterKeys)
  const { serverKms } = await import('./server-kms.js')
  return serverKms(masterKeys)
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
 * Writes the people table into a temporary folder with one master key per level, reads it back
 * with every token and projection, and removes the folder.
 */
export async function runDemo(options: DemoOptions): Promise<DemoReport> {
  const masterKeys = demoMasterKeys()
  const kms = await openKms(options, masterKeys)
  const folder = await mkdtemp(join(tmpdir(), 'pme-demo-'))
  try {
    const path = join(folder, FILE_NAME)
    await writePeople(path, generatePeople(options.rows, options.seed), kms)
    const file = await describeFile(path, kms)
    const matrix = await readAccessMatrix(path, kms, READERS, PROJECTIONS, SAMPLE_ROWS)
    const samples = await samplesOf(path, kms, matrix)
    return { kms: kms.description, masterKeyCount: masterKeys.size, file, projections: PROJECTIONS, matrix, samples }
  } finally {
    await kms.close()
    await rm(folder, { recursive: true, force: true })
  }
}
