import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { writeParquet } from '../src/write/parquet-writer.js'

/*
 * Temp files next to an output never outlive their writer: SIGINT and SIGTERM remove them, and after
 * kill -9 the next write to the same output does. The writers here are child processes running the
 * built library (dist/), which open a ParquetFileWriter and wait.
 */
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url))
const host = createHash('sha256').update(hostname()).digest('hex').slice(0, 8)
const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pme-temp-'))
  dirs.push(dir)
  return dir
}

/** A child that starts writing `output`, prints "writing" and waits to be killed. */
function startWriter(output: string): Promise<ChildProcess> {
  const script = `
    import { ParquetFileWriter } from ${JSON.stringify(dist)}
    const writer = await ParquetFileWriter.create(${JSON.stringify(output)})
    await writer.writeRows([{ id: 1 }])
    console.log('writing')
    setInterval(() => {}, 1000)
  `
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    child.stdout?.once('data', () => resolve(child))
    child.once('exit', (code) => reject(new Error(`writer exited early (${code})`)))
  })
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
}

const tempsIn = (dir: string) => readdirSync(dir).filter((name) => name.endsWith('.tmp'))

describe('temp files of atomic writes', () => {
  it('carry the host and the process id in their name', async () => {
    const dir = tempDir()
    const child = await startWriter(join(dir, 'out.parquet'))
    expect(tempsIn(dir)).toEqual([
      expect.stringMatching(new RegExp(`^\\.out\\.parquet\\.pme-${host}-${child.pid}-[0-9a-f]{12}\\.tmp$`)),
    ])
    child.kill('SIGKILL')
    await exited(child)
  })

  it.each(['SIGINT', 'SIGTERM'] as const)(
    '%s removes the temp file and ends the process by that signal',
    async (signal) => {
      const dir = tempDir()
      const child = await startWriter(join(dir, 'out.parquet'))
      expect(tempsIn(dir)).toHaveLength(1)
      child.kill(signal)
      expect(await exited(child)).toEqual({ code: null, signal })
      expect(readdirSync(dir)).toEqual([])
    },
  )

  it('after kill -9, the next write to the same output removes the dead writer’s temp file', async () => {
    const dir = tempDir()
    const output = join(dir, 'out.parquet')
    const child = await startWriter(output)
    child.kill('SIGKILL')
    await exited(child)
    const [left] = tempsIn(dir)
    expect(left).toBeDefined()

    // Temp files of a live process and of another host are not touched.
    const live = `.out.parquet.pme-${host}-${process.pid}-000000000000.tmp`
    const otherHost = `.out.parquet.pme-00000000-${child.pid}-000000000000.tmp`
    writeFileSync(join(dir, live), '')
    writeFileSync(join(dir, otherHost), '')
    await writeParquet(output, { rows: [{ id: 2 }] })
    expect(existsSync(join(dir, left as string))).toBe(false)
    expect(readdirSync(dir).sort()).toEqual([live, otherHost, 'out.parquet'].sort())
  })

  it('the shell reports 130 for a writer ended by SIGINT', () => {
    const dir = tempDir()
    const script = `node --input-type=module -e "import { ParquetFileWriter } from '${dist}'; await ParquetFileWriter.create('${join(dir, 'o.parquet')}'); process.kill(process.pid, 'SIGINT'); setInterval(() => {}, 1000)"; echo "status $?"`
    const run = spawnSync('bash', ['-c', script], { encoding: 'utf8' })
    expect(run.stdout.trim()).toBe('status 130')
    expect(readdirSync(dir)).toEqual([])
  })
})
