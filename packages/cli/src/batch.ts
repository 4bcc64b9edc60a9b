import { stat } from 'node:fs/promises'
import { PmeError } from '@pme/core'
import { BatchFailure, errorLine, isUsageError } from './errors.js'
import { progressBar } from './progress.js'

export interface BatchItem {
  readonly input: string
  readonly output?: string
}

export interface FileResult extends BatchItem {
  readonly ok: boolean
  /** What happened to the file, when `work` returns it as a string (rotate --to-config: migrated...). */
  readonly outcome?: string
  readonly error?: { readonly code: string; readonly message: string }
}

export interface BatchContext {
  readonly command: string
  readonly json: boolean
  /** No summary line on success. */
  readonly quiet?: boolean
  readonly out: (text: string) => Promise<void>
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean }
}

/** The report names a file by its input and output only (the JSON report's shape). */
const named = ({ input, output }: BatchItem): BatchItem => (output === undefined ? { input } : { input, output })

function failure(error: unknown): FileResult['error'] {
  const code = PmeError.is(error) ? error.code : ((error as NodeJS.ErrnoException)?.code ?? 'PME_INTERNAL')
  return { code, message: errorLine(error) }
}

const PAST: Readonly<Record<string, string>> = { encrypt: 'encrypted', decrypt: 'decrypted', rotate: 'rotated' }

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit += 1
  }
  return `${value.toFixed(1)} ${units[unit]}`
}

/** "pme encrypt: 3 files encrypted, 1.2 MiB written, in 0.4 s": on stderr, so stdout stays data. */
async function summary(command: string, results: readonly FileResult[], started: number): Promise<string> {
  const outputs = results.flatMap((result) => (result.output ? [result.output] : []))
  const sizes = await Promise.all(outputs.map((path) => stat(path).then((info) => info.size)))
  const written = sizes.length > 0 ? `, ${size(sizes.reduce((a, b) => a + b, 0))} written` : ''
  const files = (n: number) => `${n} file${n === 1 ? '' : 's'}`
  // Commands whose files have outcomes (rotate --to-config: migrated, already-migrated) count each.
  const outcomes = new Map<string, number>()
  for (const { outcome } of results) if (outcome) outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1)
  const count =
    outcomes.size > 0
      ? [...outcomes].map(([outcome, n]) => `${files(n)} ${outcome.replaceAll('-', ' ')}`).join(', ')
      : `${files(results.length)} ${PAST[command] ?? 'done'}`
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  return `pme ${command}: ${count}${written}, in ${seconds} s\n`
}

/**
 * Runs `work` on every file, on after a file fails (outputs are atomic: a failed file leaves nothing),
 * with a progress bar on a terminal. A usage error stops the batch: it would fail every file alike.
 * Ends with the JSON report under --json (else a summary line unless --quiet), and throws BatchFailure
 * when any file failed.
 */
export async function runBatch<Item extends BatchItem>(
  items: readonly Item[],
  work: (item: Item) => Promise<unknown>,
  context: BatchContext,
): Promise<FileResult[]> {
  const started = performance.now()
  const progress = progressBar(context.stderr, context.json ? 0 : items.length)
  const results: FileResult[] = []
  let firstError: unknown
  try {
    for (const item of items) {
      try {
        const outcome = await work(item)
        results.push({ ...named(item), ok: true, ...(typeof outcome === 'string' ? { outcome } : {}) })
      } catch (error) {
        if (isUsageError(error)) throw error
        firstError ??= error
        results.push({ ...named(item), ok: false, error: failure(error) })
        // One file: main reports the error itself. Several: one line per file, as it fails.
        if (items.length > 1) progress.note(`pme ${context.command}: ${item.input}: ${errorLine(error)}`)
      }
      progress.step(item.input)
    }
  } finally {
    progress.done()
  }
  const failed = results.filter((result) => !result.ok).length
  if (context.json) {
    const report = { command: context.command, ok: results.length - failed, failed, files: results }
    await context.out(`${JSON.stringify(report)}\n`)
  }
  if (failed > 0) throw items.length === 1 ? firstError : new BatchFailure(failed, results.length)
  if (!context.json && !context.quiet) context.stderr.write(await summary(context.command, results, started))
  return results
}
