import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { FAILURES, runWatched } from '../src/watchdog.mjs'

/*
 * Every input a fuzz run once failed on (fuzz/regressions/<kind>-s<seed>-i<index>.parquet, with the
 * read path it took in the .json next to it) is replayed under the same watchdog: each must now end
 * in success or a typed error, within the time and memory limits.
 */
const dir = fileURLToPath(new URL('../regressions', import.meta.url))
const cases = readdirSync(dir)
  .filter((name) => name.endsWith('.parquet'))
  .sort()
  .map((name) => {
    const meta = JSON.parse(readFileSync(join(dir, name.replace(/\.parquet$/, '.json')), 'utf8'))
    return { name, bytes: new Uint8Array(readFileSync(join(dir, name))), variant: meta.variant }
  })

describe('fuzz regressions', () => {
  it('has the inputs earlier runs failed on', () => {
    expect(cases.length).toBeGreaterThan(0)
  })

  it('replays each under the watchdog: success or a typed error, no hang, death or memory jump', async () => {
    const results = new Map()
    const queue = [...cases]
    await runWatched({ take: () => queue.shift(), report: (input, result) => results.set(input.name, result) })
    expect(results.size).toBe(cases.length)
    for (const [name, result] of results) {
      expect({ name, outcome: result.outcome, failed: FAILURES.has(result.outcome) }).toMatchObject({ failed: false })
    }
  }, 120_000) // the watchdog allows 10 s per input; a loaded machine needs more than vitest's default
})
