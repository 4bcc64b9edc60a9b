import type { IncomingHttpHeaders } from 'node:http'
import { DEFAULT_KMS_VALUE } from '@pme/core'
import { HttpError } from './http-error.js'

/** Who is calling: nobody in particular, or the bearer of a token. */
export type CallerToken = { readonly kind: 'anonymous' } | { readonly kind: 'token'; readonly token: string }

const ANONYMOUS: CallerToken = { kind: 'anonymous' }
const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i

function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined || authorization.trim() === '') return undefined
  const match = BEARER.exec(authorization)
  if (!match?.[1]) throw new HttpError(400, 'invalid_request', 'the authorization header must be "Bearer <token>"')
  return match[1]
}

/**
 * The caller's token, from `x-api-key` (the seed demo's header) or `authorization: Bearer`. No
 * token, an empty one and `DEFAULT` (what parquet-java and Arrow send for "no token") are anonymous.
 */
export function callerToken(headers: IncomingHttpHeaders): CallerToken {
  const apiKey = headers['x-api-key']
  if (Array.isArray(apiKey)) throw new HttpError(400, 'invalid_request', 'send one x-api-key header')
  const fromApiKey = apiKey?.trim() || undefined
  const fromBearer = bearerToken(headers.authorization)
  if (fromApiKey !== undefined && fromBearer !== undefined && fromApiKey !== fromBearer) {
    throw new HttpError(400, 'invalid_request', 'x-api-key and authorization carry different tokens: send one')
  }
  const token = fromApiKey ?? fromBearer
  return token === undefined || token === DEFAULT_KMS_VALUE ? ANONYMOUS : { kind: 'token', token }
}
