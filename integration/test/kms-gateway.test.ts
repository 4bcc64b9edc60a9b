/**
 * One KMS gateway for Spark, pyarrow and pme: `pme kms serve` with the seed's privilege levels, and
 * pme's clients for the other engines (clients/java: parquet-java's KmsClient on Spark's driver
 * classpath; clients/python: pyarrow's KmsClient).
 *
 *   Spark (pyspark 4.3.0, parquet-java 1.17.0) writes the people table through the gateway, over HTTPS
 *   (a TLS proxy with a CA made here, trusted through pme.kms.tls.ca.file);
 *   Spark, pyarrow and pme (--kms http) read it with each level's token, one column at a time: each reads
 *   exactly the columns of its level and below and is refused the others (401 token_required without a
 *   token, 403 access_denied with a lower one);
 *   pme writes (pme encrypt --kms http) and Spark reads; pyarrow writes and pme reads;
 *   a second gateway backed by OpenBao (the vault adapter): Spark writes and reads, pme reads;
 *   both clients called directly on their error paths (unknown token, bad wrapped key, no server,
 *   503 retried, redirect not followed, no URL, a CA that did not sign the certificate);
 *   the Spark example (examples/privilege-levels/spark) run as a user runs it.
 *
 * The rules are written here again from the seed's text, not taken from the example. One Spark
 * process (one JVM) runs every Spark case. Skipped when PME_IT_ONCE=skip (CI's second Node pass).
 */
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runPme } from '../kms/pme-cli.js'
import { listen, refusingUrl, shutdown } from '../kms/ports.js'
import { baoBinary, openbaoEnvScript, startOpenBao, type VaultServer } from '../kms/vault/openbao-process.js'
import { transitPolicy, VaultAdmin } from '../kms/vault/vault-admin.js'
import { repoRoot, venvPython } from '../setup/paths.js'
import { type Gateway, makeCa, startGateway, startTlsProxy, type TlsProxy } from './kms-gateway.js'

// ------------------------------------------------------------------------------------ the seed's rules

const LEVELS = ['PUBLIC', 'INTERNAL', 'CONFIDENTIAL', 'RESTRICTED'] as const
type Level = (typeof LEVELS)[number]
const COLUMNS = ['id', 'date_of_birth', 'first_name', 'last_name', 'social_security_number'] as const
type Column = (typeof COLUMNS)[number]
/** The least level that reads each column; null: plaintext. */
const LEAST_LEVEL: Record<Column, Level | null> = {
  id: null,
  date_of_birth: 'INTERNAL',
  first_name: 'CONFIDENTIAL',
  last_name: 'CONFIDENTIAL',
  social_security_number: 'RESTRICTED',
}
const readable = (level: Level, column: Column) => {
  const least = LEAST_LEVEL[column]
  return least === null || LEVELS.indexOf(level) >= LEVELS.indexOf(least)
}
/** How the gateway refuses: no token is 401 token_required, a lower level's token 403 access_denied. */
const refusalCode = (level: Level) => (level === 'PUBLIC' ? 'HTTP 401 token_required' : 'HTTP 403 access_denied')

// ------------------------------------------------------------------------------------ the set-up

const SKIP = process.env.PME_IT_ONCE === 'skip'
if (SKIP) console.log('[kms-gateway] skipped: PME_IT_ONCE=skip (the Spark/pyarrow gateway suite runs once per CI)')

const ROWS = 300
const EXAMPLE_ROWS = 50
const exampleDir = path.join(repoRoot, 'examples', 'privilege-levels', 'spark')
const gatewayConfig = path.join(exampleDir, 'pme.config.json')
const sparkEnvScript = path.join(repoRoot, 'integration', 'setup', 'spark-env.sh')
const javaBuildScript = path.join(repoRoot, 'clients', 'java', 'build.sh')
const sparkPython = path.join(repoRoot, '.cache', 'spark-venv', 'bin', 'python')
const pythonClient = path.join(repoRoot, 'clients', 'python')
const sparkDriver = path.join(repoRoot, 'integration', 'python', 'kms_gateway_spark.py')
const pyarrowDriver = path.join(repoRoot, 'integration', 'python', 'kms_gateway_pyarrow.py')
const COLUMN_KEYS = 'INTERNAL:date_of_birth;CONFIDENTIAL:first_name,last_name;RESTRICTED:social_security_number'
/** parquet-java caches KMS clients by token and instance id, not URL: the second gateway gets an id. */
const VAULT_GATEWAY_ID = 'pme-vault-gateway'

type Row = (string | number)[]
interface ReadResult {
  id: string
  ok: boolean
  rows?: Row[]
  file?: string
  error?: string
  message?: string
  report?: { matrix: { level: Level; reads: Record<string, { ok: boolean; rows?: number; message?: string }> }[] }
}

function provision(script: string, timeout: number): string {
  const run = spawnSync('bash', [script], { cwd: repoRoot, encoding: 'utf8', timeout })
  if (run.error || run.status !== 0) throw new Error(`${script} failed: ${run.error?.message ?? run.stderr}`)
  return run.stdout.trim()
}

/** Runs a Python driver (asynchronously: the TLS proxy lives in this process) with a JSON request. */
function runDriver(python: string, script: string, request: object, env: NodeJS.ProcessEnv, timeoutMs: number) {
  return new Promise<Map<string, ReadResult>>((resolve, reject) => {
    const child = spawn(python, [script], { cwd: repoRoot, env, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.stdout.on('data', (d) => {
      stdout += String(d)
    })
    child.stderr.on('data', (d) => {
      stderr = (stderr + String(d)).slice(-6000)
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      if (code !== 0) return reject(new Error(`${path.basename(script)} exited ${code}: ${stderr}`))
      const { results } = JSON.parse(stdout) as { results: ReadResult[] }
      resolve(new Map(results.map((r) => [r.id, r])))
    })
    child.stdin.end(JSON.stringify(request))
  })
}

/** pme cat of some columns, rows as the drivers give them (dates as YYYY-MM-DD), or the refusal. */
async function pmeRead(file: string, url: string, columns: readonly string[], token?: string) {
  const run = await runPme([
    'cat',
    file,
    '--kms',
    'http',
    '--kms-instance-url',
    url,
    ...(token ? ['--access-token', token] : []),
    '--columns',
    columns.join(','),
    '--format',
    'jsonl',
  ])
  if (run.status !== 0) return { id: file, ok: false, message: run.stderr.trim(), status: run.status }
  const rows = run.stdout
    .trim()
    .split('\n')
    .map((line) => {
      const record = JSON.parse(line) as Record<string, string | number>
      return columns.map((c) =>
        c === 'date_of_birth' ? String(record[c]).slice(0, 10) : (record[c] as string | number),
      )
    })
  return { id: file, ok: true, rows }
}

/** Rows in one order, whatever order an engine read them in (values are compared, not row order). */
const sorted = (rows: Row[]) => [...rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1))

/** The input's rows projected on `columns`. */
const projection = (input: Row[], columns: readonly Column[]): Row[] =>
  input.map((row) => columns.map((c) => row[COLUMNS.indexOf(c)] as string | number))

const cell = (engine: string, file: string, level: Level, column: string) => `${engine}/${file}/${level}/${column}`

/** The clients called directly (Java through py4j in the Spark process, Python in pyarrow's): error paths. */
interface ClientCase {
  name: string
  job: {
    url: string
    token?: string
    conf?: Record<string, string>
    call: 'wrap' | 'unwrap'
    key_id: string
    wrapped?: string
  }
  java: string
  python: string
  message: RegExp
}

const FAST_RETRIES = {
  'pme.kms.retry.attempts': '3',
  'pme.kms.retry.base.delay.ms': '1',
  'pme.kms.retry.max.delay.ms': '5',
}

function clientCases(urls: { gateway: string; refusing: string; failing: string }, restricted: string): ClientCase[] {
  return [
    {
      name: 'a token the gateway does not know is refused (401 unknown_token)',
      job: { url: urls.gateway, token: 'not-a-known-token', call: 'unwrap', key_id: 'RESTRICTED', wrapped: 'AAAA' },
      java: 'KeyAccessDeniedException',
      python: 'KmsAccessDeniedError',
      message:
        /^pme KMS http:\/\/127\.0\.0\.1:\d+: unwrap with master key "RESTRICTED" refused \(HTTP 401 unknown_token\)$/,
    },
    {
      name: 'a wrapped key that does not unwrap is a failure, not a refusal (400 invalid_wrapped_key)',
      job: {
        url: urls.gateway,
        token: restricted,
        call: 'unwrap',
        key_id: 'RESTRICTED',
        wrapped: randomBytes(44).toString('base64'),
      },
      java: 'ParquetCryptoRuntimeException',
      python: 'KmsError',
      message:
        /unwrap with master key "RESTRICTED" failed \(HTTP 400 invalid_wrapped_key: the wrapped key does not unwrap/,
    },
    {
      name: 'no server: retried, then unavailable',
      job: { url: urls.refusing, conf: FAST_RETRIES, call: 'wrap', key_id: 'PUBLIC' },
      java: 'ParquetCryptoRuntimeException',
      python: 'KmsUnavailableError',
      message: /wrap with master key "PUBLIC" failed: KMS unavailable, 3 attempts \(last: \w+\)$/,
    },
    {
      name: 'HTTP 503: retried, then unavailable',
      job: { url: urls.failing, conf: FAST_RETRIES, call: 'wrap', key_id: 'PUBLIC' },
      java: 'ParquetCryptoRuntimeException',
      python: 'KmsUnavailableError',
      message: /failed: KMS unavailable, 3 attempts \(last: HTTP 503 kms_unavailable\)$/,
    },
    {
      name: 'a redirect is not followed (the token stays with the configured server)',
      job: { url: `${urls.failing}/redirect`, token: restricted, call: 'wrap', key_id: 'PUBLIC' },
      java: 'ParquetCryptoRuntimeException',
      python: 'KmsError',
      message: /wrap with master key "PUBLIC" failed \(HTTP 302\)$/,
    },
    {
      name: 'no URL configured',
      job: { url: 'DEFAULT', call: 'wrap', key_id: 'PUBLIC' },
      java: 'ParquetCryptoRuntimeException',
      python: 'ValueError',
      message: /set (parquet\.encryption\.kms\.instance\.url|kms_instance_url) to the URL of `pme kms serve`/,
    },
  ]
}

const CASE_NAMES = clientCases({ gateway: '', refusing: '', failing: '' }, '').map((c) => c.name)

describe.skipIf(SKIP)('one KMS gateway (pme kms serve) for Spark, pyarrow and pme', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pme-kms-gateway-'))
  const tokens: Record<Level, string | undefined> = {
    PUBLIC: undefined,
    INTERNAL: `int-${randomBytes(8).toString('hex')}`,
    CONFIDENTIAL: `conf-${randomBytes(8).toString('hex')}`,
    RESTRICTED: `restr-${randomBytes(8).toString('hex')}`,
  }
  const tokenEnv = {
    PME_TOKEN_INTERNAL: tokens.INTERNAL as string,
    PME_TOKEN_CONFIDENTIAL: tokens.CONFIDENTIAL as string,
    PME_TOKEN_RESTRICTED: tokens.RESTRICTED as string,
  }
  const keyList = LEVELS.map((id) => `${id}: ${randomBytes(32).toString('base64')}`).join(', ')
  let gateway: Gateway | undefined
  let vaultGateway: Gateway | undefined
  let proxy: TlsProxy | undefined
  let openBao: VaultServer | undefined
  let otherCa = ''
  let input: Row[] = []
  let spark = new Map<string, ReadResult>()
  let pyarrow = new Map<string, ReadResult>()
  const pme = new Map<string, Awaited<ReturnType<typeof pmeRead>>>()
  const timings: string[] = []
  let cases: ClientCase[] = []
  let failing: Server | undefined
  let failingRequests = 0
  const files = {
    plain: path.join(dir, 'plain.parquet'),
    pme: path.join(dir, 'pme.parquet'),
    pyarrow: path.join(dir, 'pyarrow.parquet'),
    spark: '',
    sparkVault: '',
  }

  beforeAll(async () => {
    const t0 = performance.now()
    const lap = (what: string) => timings.push(`${what} ${((performance.now() - t0) / 1000).toFixed(1)}s`)
    console.log(`[kms-gateway] ${provision(sparkEnvScript, 600_000)}`)
    const jar = provision(javaBuildScript, 300_000)
    if (!existsSync(baoBinary)) provision(openbaoEnvScript, 300_000)
    lap('provisioned')

    gateway = await startGateway('levels, local keys', gatewayConfig, { PME_KEY_LIST: keyList, ...tokenEnv })
    proxy = await startTlsProxy(dir, gateway.url)
    otherCa = makeCa(dir, 'unrelated-ca').cert
    failing = createServer((req, res) => {
      if (req.url?.startsWith('/redirect/')) {
        res.writeHead(302, { location: `${gateway?.url}${req.url.slice('/redirect'.length)}` })
        return res.end()
      }
      failingRequests++
      res.writeHead(503, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: { code: 'kms_unavailable', message: 'down' } }))
    })
    const failingUrl = `http://127.0.0.1:${await listen(failing, 0, '127.0.0.1')}`
    cases = clientCases(
      { gateway: gateway.url, refusing: await refusingUrl(), failing: failingUrl },
      tokens.RESTRICTED as string,
    )

    openBao = await startOpenBao()
    const admin = new VaultAdmin(openBao.address, openBao.rootToken, 'transit')
    await admin.ensureTransit()
    for (const key of LEVELS) await admin.call('POST', `transit/keys/${key}`, { type: 'aes256-gcm96' })
    await admin.writePolicy('pme-gateway', transitPolicy('transit', '*'))
    const vaultConfig = path.join(dir, 'vault-gateway.config.json')
    const levels = JSON.parse(readFileSync(gatewayConfig, 'utf8')).server.privileges
    writeFileSync(
      vaultConfig,
      JSON.stringify({
        server: {
          backend: { type: 'vault', instanceUrl: openBao.address, accessToken: '$env:PME_VAULT_TOKEN' },
          privileges: levels,
        },
      }),
    )
    vaultGateway = await startGateway('levels, OpenBao behind the vault adapter', vaultConfig, {
      PME_VAULT_TOKEN: await admin.createToken(['pme-gateway']),
      ...tokenEnv,
    })
    lap('gateways up')

    // pyarrow writes the plain table (for pme encrypt) and its own encrypted one, over HTTPS
    const pyEnv = { ...process.env, PYTHONPATH: pythonClient }
    const pyRequest = { example: exampleDir, kms_url: proxy.url, ca_file: proxy.caFile }
    const written = await runDriver(
      venvPython,
      pyarrowDriver,
      {
        ...pyRequest,
        jobs: [
          { op: 'write_plain', id: 'plain', file: files.plain, rows: ROWS },
          { op: 'write', id: 'write', file: files.pyarrow, rows: ROWS },
        ],
      },
      pyEnv,
      120_000,
    )
    input = written.get('plain')?.rows ?? []
    expect(written.get('write')?.ok, 'pyarrow write').toBe(true)
    lap('pyarrow wrote')

    // pme writes through the gateway
    const encrypt = await runPme([
      'encrypt',
      files.plain,
      '-o',
      files.pme,
      '--footer-key',
      'PUBLIC',
      '--column-keys',
      COLUMN_KEYS,
      '--kms',
      'http',
      '--kms-instance-url',
      gateway.url,
    ])
    expect(encrypt.status, `pme encrypt: ${encrypt.stderr}`).toBe(0)
    lap('pme wrote')

    // Spark: one session for every case
    const vaultOptions = {
      'parquet.encryption.kms.instance.url': vaultGateway.url,
      'parquet.encryption.kms.instance.id': VAULT_GATEWAY_ID,
    }
    // parquet-java caches the KEKs it made per token (10 min), whatever the gateway: double wrapping
    // would reuse the first write's KEKs, wrapped by the other gateway. Single wrapping has no KEKs.
    const vaultWrite = { ...vaultOptions, 'parquet.encryption.double.wrapping': 'false' }
    const sparkJobs: object[] = [
      { op: 'write_people', id: 'write', out: path.join(dir, 'spark-people'), rows: ROWS },
      {
        op: 'write_people',
        id: 'write-vault',
        out: path.join(dir, 'spark-vault'),
        rows: ROWS,
        options: vaultWrite,
      },
    ]
    const sparkRead = (file: string, label: string, level: Level, columns: readonly string[], options?: object) => ({
      op: 'read',
      id: cell('spark', label, level, columns.length === 1 ? (columns[0] as string) : 'all'),
      file,
      columns,
      token: tokens[level],
      options,
    })
    const sparkFile = path.join(dir, 'spark-people')
    for (const level of LEVELS) {
      for (const column of COLUMNS) sparkJobs.push(sparkRead(sparkFile, 'spark', level, [column]))
      sparkJobs.push(sparkRead(files.pme, 'pme', level, COLUMNS))
      sparkJobs.push(sparkRead(path.join(dir, 'spark-vault'), 'vault', level, COLUMNS, vaultOptions))
    }
    // A CA that did not sign the proxy's certificate (and a token never used: no cached keys)
    sparkJobs.push({
      op: 'read',
      id: 'spark/wrong-ca',
      file: sparkFile,
      columns: ['id'],
      token: 'tls-check',
      options: { 'parquet.encryption.kms.instance.id': 'wrong-ca', 'pme.kms.tls.ca.file': otherCa },
    })
    for (const c of cases) sparkJobs.push({ op: 'client', id: `client/${c.name}`, ...c.job })
    // Last: the example's own main (it stops the session), as a user runs it, over HTTPS
    const exampleArgs = ['--kms-url', proxy.url, '--ca-file', proxy.caFile, '--jar', jar]
    exampleArgs.push('--rows', String(EXAMPLE_ROWS), '--out', path.join(dir, 'example'), '--json')
    sparkJobs.push({ op: 'example', id: 'example', args: exampleArgs })
    spark = await runDriver(
      sparkPython,
      sparkDriver,
      {
        example: exampleDir,
        jar,
        kms_url: proxy.url,
        ca_file: proxy.caFile,
        jobs: sparkJobs,
      },
      { ...process.env, ...tokenEnv },
      600_000,
    )
    files.spark = spark.get('write')?.file ?? ''
    files.sparkVault = spark.get('write-vault')?.file ?? ''
    lap(`spark ran ${sparkJobs.length} jobs`)

    // pyarrow reads Spark's file with each token, over HTTPS
    const pyJobs: object[] = []
    for (const level of LEVELS) {
      for (const column of COLUMNS) {
        pyJobs.push({
          op: 'read',
          id: cell('pyarrow', 'spark', level, column),
          file: files.spark,
          columns: [column],
          token: tokens[level],
        })
      }
    }
    pyJobs.push({ op: 'read', id: 'pyarrow/wrong-ca', file: files.spark, columns: ['id'], ca_file: otherCa })
    for (const c of cases) pyJobs.push({ op: 'client', id: `client/${c.name}`, ...c.job })
    pyarrow = await runDriver(venvPython, pyarrowDriver, { ...pyRequest, jobs: pyJobs }, pyEnv, 120_000)
    lap('pyarrow read')

    // pme reads Spark's file with each token; pyarrow's and the OpenBao-backed file with each token, all columns
    for (const level of LEVELS) {
      for (const column of COLUMNS) {
        pme.set(cell('pme', 'spark', level, column), await pmeRead(files.spark, gateway.url, [column], tokens[level]))
      }
      pme.set(cell('pme', 'pyarrow', level, 'all'), await pmeRead(files.pyarrow, gateway.url, COLUMNS, tokens[level]))
      pme.set(
        cell('pme', 'vault', level, 'all'),
        await pmeRead(files.sparkVault, vaultGateway.url, COLUMNS, tokens[level]),
      )
    }
    lap('pme read')
    console.log(`[kms-gateway] ${timings.join(', ')}; TLS proxy requests: ${proxy.requests()}`)
  }, 1_200_000)

  afterAll(async () => {
    await proxy?.stop()
    await shutdown(failing)
    await gateway?.stop()
    await vaultGateway?.stop()
    await openBao?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  /** A read result against the rules: the rows when readable, else a refusal naming the key and the code. */
  function expectRead(
    result: { ok: boolean; rows?: Row[]; message?: string; error?: string } | undefined,
    level: Level,
    columns: readonly Column[],
    refusalClass: string,
  ) {
    expect(result, 'result').toBeDefined()
    const denied = columns.find((c) => !readable(level, c))
    if (!denied) {
      expect(result?.message, 'no error').toBeUndefined()
      expect(sorted(result?.rows ?? []), 'rows').toEqual(sorted(projection(input, columns)))
      return
    }
    expect(result?.ok, `${columns.join(',')} must be refused to ${level}`).toBe(false)
    expect(result?.error ?? result?.message).toContain(refusalClass)
    // Several columns at once: the first refused one may be any of them
    const refusedKeys = columns.filter((c) => !readable(level, c)).map((c) => LEAST_LEVEL[c])
    expect(
      refusedKeys.some((key) => result?.message?.includes(`master key "${key}"`)),
      result?.message,
    ).toBe(true)
    expect(result?.message).toContain(refusalCode(level))
  }

  it('the input: the example people table', () => {
    expect(input).toHaveLength(ROWS)
    expect(spark.get('write')?.rows, 'Spark wrote the same rows').toEqual(input)
  })

  describe('Spark writes through the gateway (HTTPS, private CA); each engine reads with each token', () => {
    for (const level of LEVELS) {
      for (const column of COLUMNS) {
        const verdict = readable(level, column) ? 'reads' : 'is refused'
        it(`${level} ${verdict} ${column}: Spark, pyarrow, pme`, () => {
          expectRead(spark.get(cell('spark', 'spark', level, column)), level, [column], 'KeyAccessDeniedException')
          expectRead(pyarrow.get(cell('pyarrow', 'spark', level, column)), level, [column], 'KmsAccessDeniedError')
          expectRead(pme.get(cell('pme', 'spark', level, column)), level, [column], 'KmsAccessDeniedError')
        })
      }
    }
  })

  describe('across engines, all columns with each token', () => {
    for (const level of LEVELS) {
      it(`${level}: pme writes, Spark reads; pyarrow writes, pme reads`, () => {
        expectRead(spark.get(cell('spark', 'pme', level, 'all')), level, COLUMNS, 'KeyAccessDeniedException')
        expectRead(pme.get(cell('pme', 'pyarrow', level, 'all')), level, COLUMNS, 'KmsAccessDeniedError')
      })
    }
  })

  describe('a gateway backed by OpenBao (vault adapter): Spark writes, Spark and pme read', () => {
    for (const level of LEVELS) {
      it(`${level}`, () => {
        expect(spark.get('write-vault')?.ok, spark.get('write-vault')?.message).toBe(true)
        expectRead(spark.get(cell('spark', 'vault', level, 'all')), level, COLUMNS, 'KeyAccessDeniedException')
        expectRead(pme.get(cell('pme', 'vault', level, 'all')), level, COLUMNS, 'KmsAccessDeniedError')
      })
    }
    it('the wraps went to the OpenBao-backed gateway', async () => {
      const metrics = (await vaultGateway?.metrics()) ?? ''
      for (const key of LEVELS)
        expect(metrics).toMatch(new RegExp(`operation="wrap",key="${key}",outcome="ok"\\} [1-9]`))
    })
  })

  describe('TLS: a CA that did not sign the gateway certificate fails, with a message saying so', () => {
    it('Java client (Spark)', () => {
      const result = spark.get('spark/wrong-ca')
      expect(result?.ok).toBe(false)
      expect(result?.error).toBe('ParquetCryptoRuntimeException')
      expect(result?.message).toMatch(/failed: TLS .*pme\.kms\.tls\.ca\.file/)
    })
    it('Python client (pyarrow)', () => {
      const result = pyarrow.get('pyarrow/wrong-ca')
      expect(result?.ok).toBe(false)
      expect(result?.error).toBe('KmsError')
      expect(result?.message).toMatch(/failed: TLS .*pme\.kms\.tls\.ca\.file/)
    })
  })

  describe('the clients called directly: errors name the key and the server code, never the token', () => {
    it.each(CASE_NAMES)('%s', (name) => {
      const c = cases.find((x) => x.name === name) as ClientCase
      for (const [engine, results, expected] of [
        ['Java', spark, c.java],
        ['Python', pyarrow, c.python],
      ] as const) {
        const result = results.get(`client/${name}`)
        expect(result?.ok, `${engine} client`).toBe(false)
        expect(result?.error, `${engine} client`).toBe(expected)
        expect(result?.message, `${engine} client`).toMatch(c.message)
        for (const token of Object.values(tokens)) if (token) expect(result?.message).not.toContain(token)
      }
    })
    it('a 503 is retried exactly up to the attempts setting (3 per client)', () => {
      expect(failingRequests).toBe(6)
    })
  })

  it("the Spark example, run as a user runs it, prints the seed's matrix", () => {
    const matrix = spark.get('example')?.report?.matrix ?? []
    expect(matrix.map((entry) => entry.level)).toEqual([...LEVELS])
    for (const { level, reads } of matrix) {
      for (const column of COLUMNS) {
        const read = reads[column]
        expect(read?.ok, `${level} ${column}`).toBe(readable(level, column))
        if (read?.ok) expect(read.rows).toBe(EXAMPLE_ROWS)
        else expect(read?.message).toContain(refusalCode(level))
      }
      expect(reads['all columns']?.ok, `${level} all columns`).toBe(level === 'RESTRICTED')
    }
  })
})
