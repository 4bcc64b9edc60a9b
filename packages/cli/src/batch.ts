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
  readonly out: (text: string) => Promise<void>
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean }
}

function failure(error: unknown): FileResult['error'] {
  const code = PmeError.is(error) ? error.code : ((error as NodeJS.ErrnoException)?.code ?? 'PME_INTERNAL')
  return { code, message: errorLine(error) }
}

/**
 * Runs `work` on every file, on after a file fails (outputs are atomic: a failed file leaves nothing),
 * with a progress bar on a terminal. A usage error stops the batch: it would fail every file alike.
 * Ends with the JSON report under --json, and throws BatchFailure when any file failed.
 */
export async function runBatch(
  items: readonly BatchItem[],
  work: (item: BatchItem) => Promise<unknown>,
  context: BatchContext,
): Promise<FileResult[]> {
  const progress = progressBar(context.stderr, context.json ? 0 : items.length)
  const results: FileResult[] = []
  let firstError: unknown
  try {
    for (const item of items) {
      try {
        const outcome = await work(item)
        results.push({ ...item, ok: true, ...(typeof outcome === 'string' ? { outcome } : {}) })
      } catch (error) {
        if (isUsageError(error)) throw error
        firstError ??= error
        results.push({ ...item, ok: false, error: failure(error) })
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
  return results
}
