import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { b64, tempDir, writePeople } from './fixtures.js'
import { pme } from './run-pme.js'

/*
 * Damaged files through the commands that read them: one line naming the problem, exit 1, never
 * "internal error" (which the CLI keeps for its own bugs), and no output or temp file left behind.
 * The damage is deterministic; the fuzz suite (fuzz/) covers the library with many more inputs.
 */
const keyList = `kf: ${b64('0123456789012345')}`

/** [what, bytes, whether every read must fail (a cut file or footer; a flipped byte may miss what is read)]. */
function damaged(bytes: Uint8Array): [string, Uint8Array, boolean][] {
  const flip = (at: number) => {
    const out = bytes.slice()
    out[at] = (out[at] as number) ^ 0xff
    return out
  }
  const footerLength = (value: number) => {
    const out = bytes.slice()
    new DataView(out.buffer).setUint32(out.length - 8, value, true)
    return out
  }
  return [
    ['truncated in half', bytes.subarray(0, bytes.length >> 1), true],
    ['truncated by one byte', bytes.subarray(0, bytes.length - 1), true],
    ['with a footer length past the start', footerLength(bytes.length), true],
    ['with a footer length cutting the footer', footerLength(12), true],
    ['with its first page header flipped', flip(4), false],
    ['with a page body byte flipped', flip(40), false],
    ['with a footer byte flipped', flip(bytes.length - 40), false],
  ]
}

describe('damaged files', async () => {
  const dir = tempDir()
  const plain = await writePeople(join(dir, 'people.parquet'))
  const encrypted = join(dir, 'people.enc.parquet')
  const made = pme(['encrypt', plain, '-o', encrypted, '--footer-key', 'kf', '--uniform', '--key-list', keyList])
  const sources: [string, Uint8Array][] = [
    ['plain', new Uint8Array(readFileSync(plain))],
    ['encrypted', new Uint8Array(readFileSync(encrypted))],
  ]
  const cases = sources.flatMap(([kind, bytes]) =>
    damaged(bytes).map(([what, damagedBytes, mustFail]) => [`${kind} ${what}`, damagedBytes, mustFail] as const),
  )

  it('are made from a readable encrypted file', () => {
    expect(made.code, made.stderr).toBe(0)
  })

  it.each(cases)('%s: cat and decrypt fail with one typed line', (what, bytes, mustFail) => {
    const work = tempDir()
    const input = join(work, 'damaged.parquet')
    writeFileSync(input, bytes)
    for (const args of [
      ['cat', input],
      ['decrypt', input, '-o', join(work, 'out.parquet')],
    ]) {
      const { code, stderr } = pme([...args, '--key-list', keyList])
      if (code === 0 && !mustFail) continue // a flipped byte in a place not read, e.g. statistics
      expect(code, what).toBe(1)
      expect(stderr).not.toMatch(/internal error/)
      expect(stderr).toMatch(/^pme \w+: \w+Error: /)
    }
    expect(readdirSync(work)).toEqual(['damaged.parquet'])
  })
})
