import { PmeError } from '@pme/core'

/** What to do next, by error code: appended to the one line the user sees. */
const HINTS: Readonly<Record<string, string>> = {
  PME_MISSING_KEY: 'give its key with --key-list (or PME_KEY_LIST), or configure the KMS that holds its master key',
  PME_INTEGRITY: 'the key is wrong or the file was altered: check the key list or KMS configuration',
  PME_AAD_PREFIX: 'pass the AAD prefix the file was written with: --aad-prefix',
  PME_KMS_ACCESS_DENIED: 'use an access token allowed to use this master key: --access-token or PME_ACCESS_TOKEN',
  PME_KMS_KEY_NOT_FOUND: 'check the master key id and the KMS instance: pme inspect shows the ids a file needs',
  PME_KMS_KEY_DISABLED: 'the master key cannot be used in its present state: enable it in the KMS (or restore it)',
  PME_KMS_UNAVAILABLE: 'the KMS did not answer: check --kms-instance-url and the network, then retry',
}

/** One line for the user: typed errors with a hint, file-system errors by path, anything else as a bug. */
export function errorLine(error: unknown): string {
  if (PmeError.is(error)) {
    const hint = HINTS[error.code]
    return hint ? `${error.name}: ${error.message}; ${hint}` : `${error.name}: ${error.message}`
  }
  if (error instanceof BatchFailure) return `${error.message} (each is named above)`
  const fsError = error as NodeJS.ErrnoException
  if (fsError?.code && fsError.path) return `cannot access ${fsError.path}: ${fsError.code}`
  if (fsError?.code?.startsWith('ERR_PARSE_ARGS')) return `${fsError.message} (see --help)`
  return `internal error: ${(error as Error)?.message ?? String(error)} (set PME_DEBUG=1 for details)`
}

export function isUsageError(error: unknown): boolean {
  if (PmeError.is(error)) return error.code === 'PME_USAGE'
  const code = (error as NodeJS.ErrnoException)?.code
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')
}

/** Some files of a batch failed; each was reported on its own line as it failed. */
export class BatchFailure extends Error {
  constructor(
    readonly failed: number,
    readonly total: number,
  ) {
    super(`${failed} of ${total} files failed`)
  }
}
