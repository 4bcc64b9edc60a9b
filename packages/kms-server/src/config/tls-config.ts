import { readFileSync } from 'node:fs'
import { UsageError } from '@pme/core'
import type { AuthFailureLimit } from '../access/auth-failure-limit.js'
import { DEFAULT_AUTH_FAILURE_LIMIT } from '../access/auth-failure-limit.js'
import type { KmsServerTls } from '../options.js'
import { checkNames, integerIn, isObject } from './config-values.js'

function pem(path: unknown, where: string): Buffer {
  if (typeof path !== 'string' || path === '') throw new UsageError(`${where} must be the path of a PEM file`)
  try {
    return readFileSync(path)
  } catch (error) {
    throw new UsageError(`${where}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
  }
}

/** `server.tls`: `{ "cert": path, "key": path, "clientCa": path }`, the files read now. */
export function tlsSection(raw: unknown): KmsServerTls | undefined {
  if (raw === undefined) return undefined
  if (!isObject(raw)) throw new UsageError('server.tls must be an object { "cert": path, "key": path }')
  checkNames(raw, ['cert', 'key', 'clientCa'], 'server.tls')
  if (raw.cert === undefined || raw.key === undefined) {
    throw new UsageError('server.tls needs cert and key (--tls-cert and --tls-key)')
  }
  const tls = { cert: pem(raw.cert, 'server.tls.cert'), key: pem(raw.key, 'server.tls.key') }
  return raw.clientCa === undefined ? tls : { ...tls, clientCa: pem(raw.clientCa, 'server.tls.clientCa') }
}

/** `server.authFailureLimit`: `{ "maxFailures": 20, "windowSeconds": 60 }`. */
export function authFailureLimitSection(raw: unknown): AuthFailureLimit {
  if (raw === undefined) return DEFAULT_AUTH_FAILURE_LIMIT
  if (!isObject(raw))
    throw new UsageError('server.authFailureLimit must be an object { "maxFailures", "windowSeconds" }')
  const where = 'server.authFailureLimit'
  checkNames(raw, ['maxFailures', 'windowSeconds'], where)
  const maxFailures = integerIn(
    raw.maxFailures ?? DEFAULT_AUTH_FAILURE_LIMIT.maxFailures,
    `${where}.maxFailures`,
    1,
    1e6,
  )
  const windowSeconds = integerIn(
    raw.windowSeconds ?? DEFAULT_AUTH_FAILURE_LIMIT.windowMs / 1000,
    `${where}.windowSeconds`,
    1,
    86_400,
  )
  return { maxFailures, windowMs: windowSeconds * 1000 }
}
