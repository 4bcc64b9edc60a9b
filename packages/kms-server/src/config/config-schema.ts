import { PRIVILEGE_LEVELS } from '@pme/kms-local'
import { DEFAULT_AUTH_FAILURE_LIMIT } from '../access/auth-failure-limit.js'
import { KMS_SERVER_DEFAULTS, MAX_BODY_BYTES_RANGE } from '../options.js'

const KEY_IDS = { type: 'array', items: { type: 'string', minLength: 1 } }
const SECRET = {
  type: 'string',
  minLength: 1,
  description: 'the value, or "$env:NAME" (an environment variable) or "$file:/path" (a file) holding it',
}
const byLevel = (schema: object) => ({
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(PRIVILEGE_LEVELS.map((level) => [level, schema])),
})

const LEVELS = {
  type: 'object',
  required: ['levels'],
  additionalProperties: false,
  properties: {
    levels: {
      type: 'object',
      additionalProperties: false,
      description:
        "PUBLIC < INTERNAL < CONFIDENTIAL < RESTRICTED: a level's token may use its keys and every lower level's; PUBLIC keys are open to all",
      properties: { keys: byLevel(KEY_IDS), tokens: byLevel(SECRET) },
    },
  },
}

const GRANTS = {
  type: 'object',
  required: ['grants'],
  additionalProperties: false,
  properties: {
    grants: {
      type: 'object',
      description: 'access token (or "$env:NAME", "$file:/path") -> master key ids, or "*" for all',
      additionalProperties: { oneOf: [KEY_IDS, { const: '*' }] },
    },
    publicKeys: { ...KEY_IDS, description: 'master key ids every caller may use, without a token too' },
  },
}

/** The JSON Schema of the `server` section of pme.config.json (`pme kms serve`). */
export const KMS_SERVER_CONFIG_SCHEMA = {
  type: 'object',
  description: 'pme kms serve: the HTTP KMS (@pme/kms-server)',
  additionalProperties: false,
  properties: {
    port: { type: 'integer', minimum: 0, maximum: 65535, default: KMS_SERVER_DEFAULTS.port },
    host: { type: 'string', minLength: 1, default: KMS_SERVER_DEFAULTS.host },
    masterKeys: {
      ...SECRET,
      description:
        'master keys "id: <base64>, ..." (or "$env:NAME", "$file:/path"); --key-list-file and PME_KEY_LIST_FILE override it',
    },
    privileges: { oneOf: [LEVELS, GRANTS, { const: 'open' }] },
    restrictWrap: { type: 'boolean', default: false, description: 'check wrap as well as unwrap' },
    tls: {
      type: 'object',
      description: 'serve HTTPS (--tls-cert, --tls-key, --tls-client-ca): PEM file paths',
      required: ['cert', 'key'],
      additionalProperties: false,
      properties: {
        cert: { type: 'string', minLength: 1, description: 'certificate chain (PEM)' },
        key: { type: 'string', minLength: 1, description: 'its private key (PEM)' },
        clientCa: { type: 'string', minLength: 1, description: 'CA of the client certificates to demand (PEM)' },
      },
    },
    authFailureLimit: {
      type: 'object',
      description: 'failed authentications (401) per client address before 429 with Retry-After',
      additionalProperties: false,
      properties: {
        maxFailures: { type: 'integer', minimum: 1, default: DEFAULT_AUTH_FAILURE_LIMIT.maxFailures },
        windowSeconds: {
          type: 'integer',
          minimum: 1,
          maximum: 86400,
          default: DEFAULT_AUTH_FAILURE_LIMIT.windowMs / 1000,
        },
      },
    },
    maxBodyBytes: {
      type: 'integer',
      minimum: MAX_BODY_BYTES_RANGE[0],
      maximum: MAX_BODY_BYTES_RANGE[1],
      default: KMS_SERVER_DEFAULTS.maxBodyBytes,
    },
    backend: {
      type: 'object',
      description: "an adapter instead of masterKeys: the kms section's names",
      required: ['type'],
      additionalProperties: false,
      properties: {
        type: { type: 'string', pattern: '^[a-z0-9-]+$' },
        instanceId: { type: 'string' },
        instanceUrl: { type: 'string' },
        accessToken: SECRET,
        settings: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
      },
    },
  },
} as const
