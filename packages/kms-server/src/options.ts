import { UsageError } from '@pme/core'
import type { ServerAccessPolicy } from './access/server-access.js'
import type { KmsServerBackend } from './backend.js'
import type { RequestLogger } from './request-log.js'

export interface KmsServerOptions {
  /** What wraps and unwraps: a LocalKms without an access policy of its own, or an adapter. */
  readonly backend: KmsServerBackend
  /**
   * Who may use which key: privilegeLevelAcl(...) or explicit grants (`{ acl, publicKeys, enforceOn }`),
   * or `'open'`. Without `acl`, only `publicKeys` are open: the server fails closed.
   */
  readonly access: ServerAccessPolicy
  /** Larger request bodies are refused with 413 (default 65536). */
  readonly maxBodyBytes?: number
  /** One line per request (default: standard error). */
  readonly log?: RequestLogger
}

export const KMS_SERVER_DEFAULTS = { port: 8001, host: '127.0.0.1', maxBodyBytes: 65_536 } as const

/** maxBodyBytes from 1 KiB (a wrap body is under 100 bytes) to 16 MiB. */
export const MAX_BODY_BYTES_RANGE = [1024, 16 * 1024 * 1024] as const

export function checkedMaxBodyBytes(value: number | undefined): number {
  const bytes = value ?? KMS_SERVER_DEFAULTS.maxBodyBytes
  const [min, max] = MAX_BODY_BYTES_RANGE
  if (!Number.isInteger(bytes) || bytes < min || bytes > max) {
    throw new UsageError(`maxBodyBytes must be a whole number from ${min} to ${max}`)
  }
  return bytes
}
