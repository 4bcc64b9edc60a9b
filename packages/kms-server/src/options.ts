import { UsageError } from '@pme/core'
import type { AuthFailureLimit } from './access/auth-failure-limit.js'
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
  /** Serve HTTPS with this certificate; with `clientCa`, only clients with a certificate it signed get through. */
  readonly tls?: KmsServerTls
  /** Listen on an address other than loopback without TLS (tokens and keys cross the network in clear). */
  readonly insecureHttp?: boolean
  /** Failed authentications per client address before 429 (default 20 a minute). */
  readonly authFailureLimit?: AuthFailureLimit
  /** Milliseconds now (default Date.now): the rate limit's windows, replaceable in tests. */
  readonly clock?: () => number
}

/** PEM certificate chain and private key, and optionally the CA that client certificates must chain to. */
export interface KmsServerTls {
  readonly cert: string | Buffer
  readonly key: string | Buffer
  readonly clientCa?: string | Buffer
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
