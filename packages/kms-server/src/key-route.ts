import type { IncomingMessage } from 'node:http'
import type { KmsOperation } from '@pme/kms-local'
import { type AuthFailureLimiter, clientAddress } from './access/auth-failure-limit.js'
import type { ServerAccess } from './access/server-access.js'
import type { KeyService } from './backend.js'
import { backendFailure } from './backend-errors.js'
import { HttpError } from './http/http-error.js'
import { readJsonBody, requireJsonContentType } from './http/json-body.js'
import { callerToken } from './http/request-token.js'
import { bodyField, decodeKey } from './key-requests.js'

export interface KeyRouteContext {
  readonly access: ServerAccess
  readonly keys: () => Promise<KeyService>
  readonly maxBodyBytes: number
  readonly limiter: AuthFailureLimiter
}

const WWW_AUTHENTICATE = { 'www-authenticate': 'Bearer realm="pme-kms"' }

/** The refusal for an access decision; messages name the key and the operation, never the token. */
function refusal(decision: 'token_required' | 'unknown_token' | 'access_denied', operation: KmsOperation, id: string) {
  const key = JSON.stringify(id)
  switch (decision) {
    case 'token_required':
      return new HttpError(401, decision, `${operation} with master key ${key} needs an access token (x-api-key)`, {
        headers: WWW_AUTHENTICATE,
      })
    case 'unknown_token':
      return new HttpError(401, decision, 'the access token is not known to this KMS', { headers: WWW_AUTHENTICATE })
    default:
      return new HttpError(403, decision, `the access token may not ${operation} with master key ${key}`)
  }
}

/** 429 while the client's address has had too many failed authentications. */
function checkRateLimit(limiter: AuthFailureLimiter, address: string): void {
  const wait = limiter.retryAfterSeconds(address)
  if (wait > 0) {
    throw new HttpError(429, 'too_many_failures', 'too many failed authentications from this address: retry later', {
      headers: { 'retry-after': String(wait) },
    })
  }
}

/**
 * POST /v1/keys/{id}/wrap or /unwrap: the rate limit of failed authentications, then access (before the body is read, and whether the key
 * exists or not), then the body, then the backend. Answers the JSON body of a 200.
 */
export async function handleKeyRequest(
  request: IncomingMessage,
  operation: KmsOperation,
  masterKeyId: string,
  context: KeyRouteContext,
): Promise<Record<string, string>> {
  const address = clientAddress(request.socket.remoteAddress)
  checkRateLimit(context.limiter, address)
  const decision = context.access.decide(callerToken(request.headers), operation, masterKeyId)
  if (decision !== 'allowed') {
    const error = refusal(decision, operation, masterKeyId)
    // A token this KMS does not know is a failed guess; no token at all (token_required) is not.
    if (decision === 'unknown_token') context.limiter.recordFailure(address)
    throw error
  }
  requireJsonContentType(request)
  const value = bodyField(operation, await readJsonBody(request, context.maxBodyBytes))
  const key = operation === 'wrap' ? decodeKey(value) : undefined
  try {
    const service = await context.keys()
    if (key) return { wrappedKey: await service.wrapKey(key, masterKeyId) }
    const unwrapped = await service.unwrapKey(value, masterKeyId)
    const encoded = Buffer.from(unwrapped).toString('base64')
    unwrapped.fill(0)
    return { key: encoded }
  } catch (error) {
    throw backendFailure(error, operation, masterKeyId)
  } finally {
    key?.fill(0)
  }
}
