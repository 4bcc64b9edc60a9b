import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeParquet } from '@pme/core'
import { describe, expect, it } from 'vitest'
import { b64, tempDir } from './fixtures.js'

/*
 * The CLI on a row group of 1,048,576 rows (pyarrow's default maximum): cat with a limit, cat of every
 * row, and decrypt. Output is large, so the binary runs here with a large buffer.
 */
const ROWS = 1_048_576
const bin = fileURLToPath(new URL('../bin/pme.js', import.meta.url))
const keyList = `kf: ${b64('0123456789012345')}`

function pme(args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args, '--key-list', keyList], {
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

async function writeLarge(path: string): Promise<void> {
  const ids = new BigInt64Array(ROWS)
  for (let i = 0; i < ROWS; i++) ids[i] = BigInt(i)
  const key = { key: new TextEncoder().encode('0123456789012345'), keyMetadata: new TextEncoder().encode('kf') }
  await writeParquet(
    path,
    {
      columns: [
        { name: 'id', data: ids, type: 'INT64' },
        { name: 'half', data: Float64Array.from({ length: ROWS }, (_, i) => i / 2), type: 'DOUBLE' },
      ],
    },
    { rowGroupSize: ROWS, encryption: { footerKey: key } },
  )
}

describe('pme on a row group of 1,048,576 rows', () => {
  it('cats a limit, cats every row, and decrypts', async () => {
    const dir = tempDir()
    const path = join(dir, 'large.parquet')
    await writeLarge(path)

    const limited = pme(['cat', path, '--columns', 'id', '--limit', '3'])
    expect(limited.stderr).toBe('')
    expect(limited.stdout.trim().split('\n')).toEqual(['{"id":0}', '{"id":1}', '{"id":2}'])

    const all = pme(['cat', path])
    expect(all.code).toBe(0)
    const lines = all.stdout.trimEnd().split('\n')
    expect(lines.length).toBe(ROWS)
    expect(lines[ROWS - 1]).toBe(`{"id":${ROWS - 1},"half":${(ROWS - 1) / 2}}`)

    const plain = join(dir, 'plain.parquet')
    const decrypted = pme(['decrypt', path, '-o', plain])
    expect(decrypted.code, decrypted.stderr).toBe(0)
    const tail = pme(['cat', plain, '--columns', 'half', '--limit', '1'])
    expect(tail.stdout.trim()).toBe('{"half":0}')
  })
})
