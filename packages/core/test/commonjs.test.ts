import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

/*
 * The built package as a consumer loads it, in a separate Node process: `require('@pme/core')` (a
 * CommonJS script, resolved through the package's own `exports`, so no top-level await may sit
 * anywhere in its module graph), and two copies of the module, where only the brand recognises the
 * other copy's errors.
 */

const packageDir = join(import.meta.dirname, '..')
const scratch = mkdtempSync(join(tmpdir(), 'pme-cjs-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

function run(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: packageDir, encoding: 'utf8', timeout: 30_000 })
}

describe('the built package from outside', () => {
  it('require() loads it and writes and reads a ZSTD file (zstd loaded on first use, not at import)', () => {
    const script = `
      const { readParquet, writeParquet } = require('@pme/core')
      const path = ${JSON.stringify(join(scratch, 'zstd.parquet'))}
      const key = new Uint8Array(16).fill(7)
      ;(async () => {
        const columns = [{ name: 'n', data: Int32Array.from([1, 2, 3]), type: 'INT32', nullable: false }]
        await writeParquet(path, { columns }, { codec: 'ZSTD', encryption: { footerKey: { key } } })
        const rows = await readParquet(path, { footerKey: key })
        console.log(JSON.stringify(rows))
      })()
    `
    expect(run(['--input-type=commonjs', '-e', script]).trim()).toBe('[{"n":1},{"n":2},{"n":3}]')
  })

  it('PmeError.is recognises errors of another copy of the module, which instanceof does not', () => {
    const script = `
      const url = import.meta.resolve('@pme/core')
      const a = await import(url)
      // A query makes another module instance; on errors.js itself, since index.js only re-exports it.
      const b = await import(new URL('errors.js?second-copy', url).href)
      const error = new b.IntegrityError('tag mismatch')
      console.log(JSON.stringify({
        sameModule: a === b,
        instanceOf: error instanceof a.PmeError,
        is: a.PmeError.is(error),
        plainError: a.PmeError.is(new Error('x')),
        notAnObject: a.PmeError.is('PME_INTEGRITY'),
      }))
    `
    expect(JSON.parse(run(['--input-type=module', '-e', script]))).toEqual({
      sameModule: false,
      instanceOf: false,
      is: true,
      plainError: false,
      notAnObject: false,
    })
  })
})
