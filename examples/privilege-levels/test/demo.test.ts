import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { masterKeys, removeOutDirs, runDemo, runServingDemo } from './run-demo.js'
import { COLUMNS, expectedMatrix, MINIMUM_LEVEL, TOKEN_LEVELS } from './seed-rules.js'
import { parseTextMatrix } from './text-matrix.js'

const TITLES = [...COLUMNS, 'all columns']
const ROWS = 2000

/** The text matrix is labelled by token; the seed's rules by level. */
function byLevel(matrix: Record<string, Record<string, boolean>>) {
  return Object.fromEntries(
    TOKEN_LEVELS.map(({ token, level }) => {
      const row = matrix[token ?? '(none)']
      if (!row) throw new Error(`no row for token ${token ?? '(none)'}`)
      return [level, row]
    }),
  )
}

/** Every form a master key could be printed in. */
function keyForms(key: Buffer): string[] {
  return [key.toString('base64'), key.toString('base64url').slice(0, 40), key.toString('hex')]
}

function expectNoKeyBytes(output: string) {
  for (const key of masterKeys.values()) for (const form of keyForms(key)) expect(output).not.toContain(form)
  // Nothing that looks like a base64 key (16 bytes: 24 characters) or a hex key either.
  expect(output).not.toMatch(/[A-Za-z0-9+/]{22,}={0,2}/)
  expect(output).not.toMatch(/[0-9a-f]{32,}/i)
}

afterAll(removeOutDirs)

const pmeBin = createRequire(import.meta.url).resolve('@pme/cli/bin/pme.js')
/** Where the printed commands are meant to be typed: where pnpm demo ran. */
const userDir = process.env.INIT_CWD ?? process.cwd()

/** The printed command lines, run as the user would type them (`pnpm exec pme` is this repo's pme). */
function runPrinted(line: string, replace: [string, string] = ['', '']) {
  const args = line.trim().replace(replace[0], replace[1]).split(/\s+/).slice(3)
  return spawnSync(process.execPath, [pmeBin, ...args.filter((arg) => arg !== '#')], { cwd: userDir, encoding: 'utf8' })
}

/** Every printed `pme cat` reads its token's columns; a column above the token's level is refused. */
function expectPrintedReadsWork(stdout: string, replace?: [string, string]) {
  const reads = stdout.split('\n').filter((line) => line.startsWith('  pnpm exec pme cat '))
  expect(reads).toHaveLength(TOKEN_LEVELS.length)
  for (const line of reads) {
    const run = runPrinted(line, replace)
    expect(run.stderr, line).toBe('')
    const columns = line.match(/--columns (\S+)/)?.[1]?.split(',') ?? []
    expect(
      run.stdout
        .split('\n')[0]
        ?.split('|')
        .map((cell) => cell.trim()),
    ).toEqual(columns)
    expect(run.stdout.trim().split('\n')).toHaveLength(2 + 5)
  }
  const internal = reads.find((line) => line.includes('--access-token INTERNAL')) as string
  const refused = runPrinted(internal.replace(/--columns \S+/, '--columns social_security_number'), replace)
  expect(refused.status).toBe(1)
  expect(refused.stderr).toMatch(/KmsAccessDeniedError/)
}

/** The columns the seed lets no reader below RESTRICTED read: each must show up as a refusal. */
const refusedSomewhere = COLUMNS.filter((column) => MINIMUM_LEVEL[column] !== 'plaintext')

describe.each([
  ['embedded', [] as string[]],
  ['server', ['--server']],
])('the demo through the %s KMS', (_mode, modeArgs) => {
  it('prints the matrix of the seed rules, with typed refusals and no key bytes', async () => {
    const { code, stdout, stderr } =
      modeArgs.length > 0
        ? await runServingDemo(['--rows', String(ROWS)], (printed) => expectPrintedReadsWork(printed))
        : runDemo(['--rows', String(ROWS)])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const matrix = parseTextMatrix(stdout, TITLES, { readable: '✓', refused: '✗' })
    expect(byLevel(matrix)).toEqual(expectedMatrix())
    expect(Object.keys(matrix)).toHaveLength(TOKEN_LEVELS.length)
    const refusals = stdout.split('\n').filter((line) => /^ {2}\w+Error: /.test(line))
    expect(refusals.map((line) => line.trim().split(':')[0])).toEqual(refusals.map(() => 'KmsAccessDeniedError'))
    // Each refused column shows up, and nothing else does (over HTTP, no token and a low token are
    // refused with different messages: 401 and 403).
    const refusedColumns = refusals.map((line) => line.match(/\(column (\w+)\)$/)?.[1])
    expect(new Set(refusedColumns)).toEqual(new Set(refusedSomewhere))
    expectNoKeyBytes(stdout)
  })

  it('prints the same matrix as JSON, with the errors by class and code', () => {
    const { code, stdout, stderr } = runDemo([...modeArgs, '--json', '--rows', String(ROWS)])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const json = JSON.parse(stdout) as {
      matrix: {
        level: string
        token: string | null
        read: Record<string, boolean>
        refusals: Record<string, unknown>
      }[]
    }
    const matrix = Object.fromEntries(json.matrix.map(({ level, read }) => [level, read]))
    expect(matrix).toEqual(expectedMatrix())
    for (const { token, level, read, refusals } of json.matrix) {
      expect(token).toBe(TOKEN_LEVELS.find((entry) => entry.level === level)?.token)
      const refused = TITLES.filter((title) => !read[title])
      expect(Object.keys(refusals).sort()).toEqual(refused.sort())
      for (const refusal of Object.values(refusals)) {
        expect(refusal).toMatchObject({ error: 'KmsAccessDeniedError', code: 'PME_KMS_ACCESS_DENIED' })
      }
    }
    expectNoKeyBytes(stdout)
  })
})

describe('the walk-through goes on by hand', () => {
  it('keeps the dataset and its KMS configuration, and prints the commands that serve and read it', async () => {
    const { code, stdout, out } = runDemo(['--rows', '50'])
    expect(code).toBe(0)
    expect(statSync(join(out, 'people.parquet.encrypted')).isFile()).toBe(true)
    expect(statSync(join(out, 'pme.config.json')).mode & 0o777).toBe(0o600)
    const serve = stdout.split('\n').find((line) => line.startsWith('  pnpm exec pme kms serve ')) as string
    expect(serve).toMatch(/--port 8001 +# Swagger UI: http:\/\/127\.0\.0\.1:8001\/docs$/)
    // The printed server, on a free port instead of 8001 (which another run may hold).
    const args = serve.replace('--port 8001', '--port 0').split('#')[0]?.trim().split(/\s+/).slice(3) ?? []
    const server: ChildProcess = spawn(process.execPath, [pmeBin, ...args], {
      cwd: userDir,
      env: { ...process.env, PME_KEY_LIST: '' },
    })
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let text = ''
        server.stdout?.on('data', (chunk) => {
          text += String(chunk)
          const found = /listening on (\S+)/.exec(text)?.[1]
          if (found) resolve(found)
        })
        server.on('exit', (exitCode) => reject(new Error(`pme kms serve exited ${exitCode}`)))
      })
      expectPrintedReadsWork(stdout, ['http://127.0.0.1:8001', url])
    } finally {
      server.kill('SIGINT')
    }
  })
})

describe('the demo text', () => {
  it('marks cells with yes/no under --ascii', () => {
    const { code, stdout } = runDemo(['--ascii', '--rows', '50'])
    expect(code).toBe(0)
    expect(byLevel(parseTextMatrix(stdout, TITLES, { readable: 'yes', refused: 'no' }))).toEqual(expectedMatrix())
    expect(stdout).not.toMatch(/[✓✗]/)
  })

  it('shows RESTRICTED all columns, and INTERNAL only id and date_of_birth when it projects those', () => {
    const { stdout } = runDemo(['--rows', '50'])
    const sections = stdout.trimEnd().split('\n\n')
    const restricted = sections.find((section) => section.startsWith('RESTRICTED reading all columns'))
    const internal = sections.find((section) => section.startsWith('INTERNAL reading only id, date_of_birth'))
    expect(restricted?.split('\n')[1]?.trim().split(/\s+/)).toEqual(COLUMNS)
    expect(restricted?.split('\n').slice(2)).toHaveLength(3)
    for (const line of restricted?.split('\n').slice(2) ?? []) {
      expect(line.trim()).toMatch(/^\d+ +\d{4}-\d{2}-\d{2} +[A-Z][a-z]+ +[A-Z][a-z]+ +9\d\d-\d\d-\d{4}$/)
    }
    expect(internal?.split('\n')[1]?.trim().split(/\s+/)).toEqual(['id', 'date_of_birth'])
    expect(internal?.split('\n').slice(2)).toHaveLength(3)
  })

  it('fails with a usage line and exit code 2 on an unknown option', () => {
    const { code, stdout, stderr } = runDemo(['--bogus'])
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expect(stderr.split('\n')[0]).toMatch(/^privilege-levels demo: .*--bogus/)
  })
})
