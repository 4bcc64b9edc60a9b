import { spawn } from 'node:child_process'
import { expect } from 'vitest'

/*
 * The parquet-java driver (integration/interop/java) as the Java suites use it: a JSON job list on
 * stdin, `{ results: [{ id, ok, ... }] }` on stdout. Each suite declares its own crypto and result shapes.
 */

/** Writing and reading jobs, over a suite's description of the crypto (`Crypto`). */
export type JavaWriteReadJob<Crypto> =
  | {
      op: 'write'
      id: string
      file: string
      schema: string
      rows: Record<string, unknown>[]
      writer: Record<string, unknown>
      crypto: Crypto
    }
  | { op: 'read'; id: string; file: string; crypto: Crypto; probes?: { column: string; values: unknown[] }[] }

export interface JavaFailure {
  ok: false
  error_type: string
  error: string
}
export type JavaResult = { ok: true } | JavaFailure

/** Parquet primitive type of a shape's scalar column type, for the driver's message schemas. */
export const PRIMITIVES = {
  int32: 'int32',
  int64: 'int64',
  double: 'double',
  boolean: 'boolean',
  string: 'binary',
} as const

/**
 * Runs one JVM over a batch of jobs. Asynchronous: a suite may serve parquet-java from this event
 * loop (the Vault suite's TLS proxy).
 */
export async function runJava(
  command: readonly string[],
  jobs: readonly { id: string }[],
  timeoutMs = 300_000,
): Promise<Map<string, unknown>> {
  const child = spawn('java', [...command], { stdio: ['pipe', 'pipe', 'pipe'] })
  const out: Buffer[] = []
  const err: Buffer[] = []
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  const status = await new Promise<number | null>((resolve, reject) => {
    child.on('error', (error) => reject(new Error(`cannot run java: ${error.message}`)))
    child.on('close', resolve)
    child.stdin.end(JSON.stringify(jobs))
  }).finally(() => clearTimeout(timer))
  if (status !== 0) throw new Error(`parquet-java driver failed (exit ${status}):\n${Buffer.concat(err).toString()}`)
  const output = JSON.parse(Buffer.concat(out).toString('utf8')) as { results: { id: string }[] }
  const byId = new Map<string, unknown>(output.results.map((result) => [result.id, result]))
  if (byId.size !== jobs.length) throw new Error(`the Java driver answered ${byId.size} of ${jobs.length} jobs`)
  return byId
}

export function resultOf<T>(results: Map<string, unknown> | undefined, id: string): T {
  const result = results?.get(id)
  if (result === undefined) throw new Error(`no Java result for ${id} (did the batch in beforeAll fail?)`)
  return result as T
}

export function expectOk<T extends { ok: boolean }>(result: T | JavaFailure, what: string): asserts result is T {
  if (!result.ok) {
    const f = result as JavaFailure
    expect.fail(`${what}: ${f.error_type}: ${f.error}`)
  }
}
