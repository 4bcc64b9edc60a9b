import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { integrationDir, repoRoot } from '../setup/paths.js'

/** Skipped with a printed reason on the second CI pass (PME_IT_ONCE=skip): Spark needs to run once. */
export const sparkSkipReason =
  process.env.PME_IT_ONCE === 'skip' ? 'PME_IT_ONCE=skip: the Spark suites ran on the first pass' : undefined
if (sparkSkipReason) console.warn(`[integration] SKIPPING Spark suites: ${sparkSkipReason}`)

export interface SparkResponse {
  ok: boolean
  rows?: [number, number][]
  error?: string
}

export interface SparkWrite {
  path: string
  hadoop: Record<string, string>
  options?: Record<string, string>
  rows: number
}

/** One Spark session (integration/python/spark_pme.py) that the tests send requests to, in turn. */
export class SparkSession {
  private readonly pending: { resolve: (line: string) => void; reject: (error: Error) => void }[] = []

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => this.pending.shift()?.resolve(line))
    child.on('exit', (code) => {
      for (const waiter of this.pending.splice(0)) waiter.reject(new Error(`Spark exited (${code})`))
    })
  }

  /** Provisions Spark (integration/setup/spark-env.sh, idempotent) and starts the session. */
  static async start(): Promise<SparkSession> {
    const setup = spawnSync('bash', [path.join(integrationDir, 'setup', 'spark-env.sh')], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 900_000,
    })
    if (setup.status !== 0) throw new Error(`spark-env.sh failed: ${setup.stderr || setup.error}`)
    const python = path.join(repoRoot, '.cache', 'spark-venv', 'bin', 'python')
    const jar = path.join(repoRoot, '.cache', 'spark-jars', 'parquet-hadoop-1.17.0-tests.jar')
    const child = spawn(python, [path.join(integrationDir, 'python', 'spark_pme.py'), jar], {
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000)
    })
    const session = new SparkSession(child)
    const ready = await session.next(() => `Spark did not start: ${stderr}`)
    if (!JSON.parse(ready).ready) throw new Error(`Spark did not start: ${ready}`)
    return session
  }

  private next(why: () => string): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(why())), 240_000)
      this.pending.push({
        resolve: (line) => {
          clearTimeout(timer)
          resolve(line)
        },
        reject: (error) => {
          clearTimeout(timer)
          reject(new Error(`${why()}: ${error.message}`))
        },
      })
    })
  }

  private async request(body: object): Promise<SparkResponse> {
    const answer = this.next(() => `no answer from Spark to ${JSON.stringify(body)}`)
    this.child.stdin.write(`${JSON.stringify(body)}\n`)
    return JSON.parse(await answer) as SparkResponse
  }

  async write(request: SparkWrite): Promise<void> {
    const response = await this.request({ op: 'write', ...request })
    if (!response.ok) throw new Error(`Spark write failed: ${response.error}`)
  }

  read(folder: string, hadoop: Record<string, string>): Promise<SparkResponse> {
    return this.request({ op: 'read', path: folder, hadoop })
  }

  async stop(): Promise<void> {
    this.child.stdin.end()
    await new Promise((resolve) => {
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000)
      this.child.once('exit', () => resolve(clearTimeout(timer)))
    })
  }
}
