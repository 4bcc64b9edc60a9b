import type { ApiErrorCode } from './http/http-error.js'
import { MAX_MASTER_KEY_ID_LENGTH } from './key-requests.js'

/** The seed demo's example key, so that "Try it out" works as it comes. */
const EXAMPLE_KEY = 'rlCLtKLrH/b9GZbuZaneQB6yU6vp8tlC1R2LINMYYrM='

const json = (schema: string, description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } },
})

const error = (description: string, codes: readonly ApiErrorCode[]) =>
  json('Error', `${description} (error codes: ${codes.join(', ')})`)

/** The answers every key operation may give besides its 200. */
const KEY_ERRORS = {
  '400': error('Malformed request', ['invalid_request', 'invalid_key', 'invalid_master_key_id', 'invalid_wrapped_key']),
  '401': error('No token where one is needed, or a token this KMS does not know', ['token_required', 'unknown_token']),
  '403': error('The token may not use this master key for this operation', ['access_denied', 'backend_access_denied']),
  '404': error('No such master key (told only to callers that may use the id)', ['key_not_found']),
  '413': error('Body larger than the limit', ['body_too_large']),
  '415': error('Body not JSON', ['unsupported_media_type']),
  '429': error('Too many failed authentications from this address: retry after Retry-After seconds', [
    'too_many_failures',
  ]),
  '500': error('Internal error', ['internal_error']),
  '502': error('The backend KMS failed', ['backend_error']),
  '503': error('The backend KMS is unavailable: retry later', ['kms_unavailable']),
}

/** No token (anonymous), or x-api-key, or a bearer token. */
const KEY_SECURITY = [{}, { ApiKey: [] }, { BearerToken: [] }]

/** The master key ids this server is configured with; `complete` when they are all it holds (a local backend). */
export interface KeyIdList {
  readonly ids: readonly string[]
  readonly complete: boolean
}

/** The path parameter; Swagger UI offers the configured ids as a list to pick from. */
function masterKeyIdParameter({ ids, complete }: KeyIdList) {
  const schema = { type: 'string', minLength: 1, maxLength: MAX_MASTER_KEY_ID_LENGTH }
  if (ids.length === 0) return { name: 'masterKeyId', in: 'path', required: true, description: 'Master key id', schema }
  return {
    name: 'masterKeyId',
    in: 'path',
    required: true,
    description: `Master key id: ${complete ? '' : 'for example '}${ids.join(', ')}`,
    schema: complete ? { ...schema, enum: [...ids] } : { ...schema, example: ids[0] },
  }
}

function keyOperation(operation: 'wrap' | 'unwrap', summary: string, keyIds: KeyIdList) {
  const [request, response] =
    operation === 'wrap' ? ['WrapRequest', 'WrapResponse'] : ['UnwrapRequest', 'UnwrapResponse']
  return {
    post: {
      operationId: `${operation}Key`,
      tags: ['keys'],
      summary,
      security: KEY_SECURITY,
      parameters: [masterKeyIdParameter(keyIds)],
      requestBody: { required: true, ...json(request, `The key to ${operation}`) },
      responses: { '200': json(response, `The ${operation === 'wrap' ? 'wrapped' : 'unwrapped'} key`), ...KEY_ERRORS },
    },
  }
}

const text = (description: string) => ({ description, content: { 'text/plain': { schema: { type: 'string' } } } })

const SCHEMAS = {
  WrapRequest: {
    type: 'object',
    required: ['key'],
    additionalProperties: false,
    properties: {
      key: {
        type: 'string',
        format: 'byte',
        description: 'The key to wrap: base64 of 16, 24 or 32 bytes',
        example: EXAMPLE_KEY,
      },
    },
  },
  WrapResponse: {
    type: 'object',
    required: ['wrappedKey'],
    properties: {
      wrappedKey: {
        type: 'string',
        description:
          "The wrapped key; with the local backend parquet-java InMemoryKMS's base64(nonce ‖ AES-GCM ciphertext ‖ tag)",
      },
    },
  },
  UnwrapRequest: {
    type: 'object',
    required: ['wrappedKey'],
    additionalProperties: false,
    properties: { wrappedKey: { type: 'string', description: 'A wrapped key, as wrap returned it' } },
  },
  UnwrapResponse: {
    type: 'object',
    required: ['key'],
    properties: { key: { type: 'string', format: 'byte', description: 'The unwrapped key, base64' } },
  },
  Error: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: { code: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
}

function describeKeys({ ids, complete }: KeyIdList): string {
  if (ids.length === 0) return ''
  return ` Master keys ${complete ? 'held' : 'named by the access policy'}: ${ids.join(', ')}.`
}

/** The OpenAPI 3.0 document served at /openapi.json, listing the configured master key ids (never key bytes). */
export function openApiDocument(keyIds: KeyIdList = { ids: [], complete: false }) {
  return {
    openapi: '3.0.3',
    info: {
      title: 'pme KMS',
      version: '1.0.0',
      description:
        'Wraps and unwraps data keys of Parquet Modular Encryption with master keys held by this server. ' +
        'Set a token with "Authorize" (x-api-key); without one you are anonymous and may use public keys only.' +
        describeKeys(keyIds),
    },
    servers: [{ url: '/' }],
    tags: [{ name: 'keys', description: 'Wrap and unwrap with a master key' }, { name: 'service' }],
    paths: {
      '/v1/keys/{masterKeyId}/wrap': keyOperation('wrap', 'Wrap a key with a master key', keyIds),
      '/v1/keys/{masterKeyId}/unwrap': keyOperation('unwrap', 'Unwrap a key wrapped with a master key', keyIds),
      '/healthz': {
        get: {
          operationId: 'health',
          tags: ['service'],
          summary: 'Liveness',
          responses: { '200': { description: 'Up', content: { 'application/json': { schema: { type: 'object' } } } } },
        },
      },
      '/metrics': {
        get: {
          operationId: 'metrics',
          tags: ['service'],
          summary: 'Prometheus metrics: pme_kms_requests_total{operation,key,outcome}',
          responses: { '200': text('Prometheus text format 0.0.4') },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'openapi',
          tags: ['service'],
          summary: 'This document',
          responses: { '200': { description: 'OpenAPI 3 document', content: { 'application/json': {} } } },
        },
      },
    },
    components: {
      schemas: SCHEMAS,
      securitySchemes: {
        ApiKey: {
          type: 'apiKey',
          in: 'header',
          name: 'x-api-key',
          description: 'The access token (as in the seed demo)',
        },
        BearerToken: { type: 'http', scheme: 'bearer', description: 'The same token as authorization: Bearer' },
      },
    },
  }
}
