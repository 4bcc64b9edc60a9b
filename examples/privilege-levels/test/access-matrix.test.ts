import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readAccessMatrix } from '../src/access-matrix.js'
import { writeDemoConfig } from '../src/demo-config.js'
import type { DemoKms } from '../src/demo-kms.js'
import { embeddedKms } from '../src/embedded-kms.js'
import { demoMasterKeys } from '../src/master-keys.js'
import { generatePeople } from '../src/people.js'
import { READERS } from '../src/privileges.js'
import { PROJECTIONS } from '../src/projections.js'
import { serverKms } from '../src/server-kms.js'
import { writePeople } from '../src/write-people.js'
import { expectedMatrix } from './seed-rules.js'

let folder: string

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'pme-demo-test-'))
})

afterAll(async () => {
  await rm(folder, { recursive: true, force: true })
})

/** The two backends, as run-demo opens them: the server from the config the dataset folder keeps. */
const backends = {
  embedded: async (keys: Map<string, Uint8Array>) => embeddedKms(keys),
  server: async (keys: Map<string, Uint8Array>) => serverKms(await writeDemoConfig(folder, keys), 0),
}

describe.each(Object.entries(backends))('reading through the %s KMS', (mode, openKms) => {
  let kms: DemoKms
  let path: string

  beforeAll(async () => {
    kms = await openKms(demoMasterKeys({}))
    path = join(folder, `${mode}.parquet.encrypted`)
    await writePeople(path, generatePeople(100, 1), kms)
  })

  afterAll(async () => {
    await kms.close()
  })

  it('gives a token nothing that a higher token read before it (no shared key caches)', async () => {
    // Highest first: had RESTRICTED's unwrapped keys been cached for the others, they would read more.
    const results = await readAccessMatrix(path, kms, [...READERS].reverse(), PROJECTIONS, 1)
    const matrix = Object.fromEntries(
      results.map(({ reader, outcomes }) => [
        reader.level,
        Object.fromEntries([...outcomes].map(([name, outcome]) => [name, outcome.readable])),
      ]),
    )
    expect(matrix).toEqual(expectedMatrix())
  })
})
