import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeParquet } from '@pme/core'
import { afterEach } from 'vitest'

const temps: string[] = []
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A fresh folder, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pme-cli-'))
  temps.push(dir)
  return dir
}

export const b64 = (text: string) => Buffer.from(text).toString('base64')

/** The rows of the small plain file `writePeople` makes: the test's own expectation of its values. */
export const people = Array.from({ length: 30 }, (_, i) => ({
  id: i,
  name: `person ${i}`,
  ssn: `000-00-${String(1000 + i)}`,
}))

/** A plain Parquet file of `people` (written by @pme/core, so these tests need no shared data). */
export async function writePeople(path: string): Promise<string> {
  await writeParquet(path, { rows: people })
  return path
}
