import type { PmeErrorCode } from '@pme/core'
import type { KmsOperation } from '@pme/kms-local'
import { HttpError } from './http/http-error.js'
import { asHttpError } from './http/respond.js'

/** By code, not instanceof: the backend may have been built against another copy of @pme/core. */
function pmeCode(error: unknown): PmeErrorCode | undefined {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined
  return typeof code === 'string' && code.startsWith('PME_') ? (code as PmeErrorCode) : undefined
}

/**
 * What a backend failure becomes for the caller. The backend's message is not passed on (it may name
 * the backend's URL or account); its code goes to the log line.
 */
export function backendFailure(error: unknown, operation: KmsOperation, masterKeyId: string): HttpError {
  const code = pmeCode(error)
  const id = JSON.stringify(masterKeyId)
  const logDetail = code ?? (error instanceof Error ? error.name : typeof error)
  switch (code) {
    case 'PME_KMS_UNAVAILABLE':
      return new HttpError(
        503,
        'kms_unavailable',
        `the KMS backend is unavailable (${operation} with master key ${id}): retry later`,
        {
          headers: { 'retry-after': '1' },
          logDetail,
        },
      )
    case 'PME_KMS_KEY_NOT_FOUND':
      return new HttpError(404, 'key_not_found', `master key ${id} not found`, { logDetail })
    case 'PME_KMS_ACCESS_DENIED':
      return new HttpError(403, 'backend_access_denied', `the KMS backend refused ${operation} with master key ${id}`, {
        logDetail,
      })
    case 'PME_INVALID_KEY':
      return new HttpError(
        400,
        'invalid_key',
        `the KMS backend refused the key to ${operation} with master key ${id}`,
        { logDetail },
      )
    case 'PME_KMS':
    case 'PME_INTEGRITY':
    case 'PME_MALFORMED':
      if (operation === 'unwrap') {
        return new HttpError(
          400,
          'invalid_wrapped_key',
          `the wrapped key does not unwrap with master key ${id} (malformed, tampered with, or wrapped with another key)`,
          { logDetail },
        )
      }
      return new HttpError(502, 'backend_error', `the KMS backend failed to wrap with master key ${id}`, { logDetail })
    case undefined:
      return asHttpError(error)
    default:
      return new HttpError(502, 'backend_error', `the KMS backend failed to ${operation} with master key ${id}`, {
        logDetail,
      })
  }
}
