import { UsageError } from '@pme/core'
import { LocalKms } from '@pme/kms-local'
import type { AdapterBackend, KmsServerBackend } from '../backend.js'
import { KMS_SERVER_DEFAULTS, type KmsServerOptions, MAX_BODY_BYTES_RANGE } from '../options.js'
import type { RequestLogger } from '../request-log.js'
import { checkNames, integerIn, isObject, secretValue } from './config-values.js'
import { policyKeyIds, privilegesPolicy } from './privileges-config.js'
import { authFailureLimitSection, tlsSection } from './tls-config.js'

/** The `server` section checked: where to listen, and the server's options. */
export interface KmsServerSettings {
  readonly port: number
  readonly host: string
  readonly options: KmsServerOptions
}

export interface KmsServerSettingsContext {
  /** For `$env:NAME` values (default process.env). */
  readonly env?: NodeJS.ProcessEnv
  /** Master keys that override `masterKeys` (the CLI's --key-list or PME_KEY_LIST). */
  readonly masterKeys?: string | undefined
  /** The adapter `server.backend` names, loaded by the caller (see backendSection). */
  readonly backend?: AdapterBackend | undefined
  readonly log?: RequestLogger
  /** Allow plain HTTP beyond loopback (the CLI's --insecure-http). */
  readonly insecureHttp?: boolean
}

const NAMES = [
  'port',
  'host',
  'masterKeys',
  'privileges',
  'restrictWrap',
  'maxBodyBytes',
  'backend',
  'tls',
  'authFailureLimit',
]

function localBackend(raw: unknown, context: KmsServerSettingsContext, env: NodeJS.ProcessEnv): LocalKms {
  const keyList = context.masterKeys || (raw === undefined ? undefined : secretValue(raw, 'server.masterKeys', env))
  if (!keyList) {
    throw new UsageError(
      'the server needs master keys: server.masterKeys "id: <base64>, ..." (or --key-list, PME_KEY_LIST), or server.backend',
    )
  }
  return new LocalKms(keyList)
}

function backendOf(
  section: Record<string, unknown>,
  context: KmsServerSettingsContext,
  env: NodeJS.ProcessEnv,
): KmsServerBackend {
  if (section.backend === undefined) return localBackend(section.masterKeys, context, env)
  if (section.masterKeys !== undefined)
    throw new UsageError('server.masterKeys and server.backend exclude each other: keep one')
  if (!context.backend)
    throw new UsageError('server.backend names an adapter that was not loaded (pme kms serve loads it)')
  return context.backend
}

/** Key ids the privileges name must be master keys of the local KMS: a misspelt id would deny silently. */
function checkKnownIds(backend: KmsServerBackend, ids: readonly string[]): void {
  if (!(backend instanceof LocalKms)) return
  const missing = ids.filter((id) => backend.versionCount(id) === 0)
  if (missing.length > 0) {
    throw new UsageError(`server.privileges names master keys that server.masterKeys lacks: ${missing.join(', ')}`)
  }
}

/**
 * The `server` section of `pme.config.json` (a plain object) checked and turned into the options of
 * createKmsServer, with where to listen. Every problem is a UsageError naming the option.
 */
export function kmsServerSettings(section: unknown, context: KmsServerSettingsContext = {}): KmsServerSettings {
  const env = context.env ?? process.env
  const server = section ?? {}
  if (!isObject(server)) throw new UsageError('server must be an object')
  checkNames(server, NAMES, 'server')
  const { port = KMS_SERVER_DEFAULTS.port, host = KMS_SERVER_DEFAULTS.host, restrictWrap = false } = server
  if (typeof host !== 'string' || host === '') throw new UsageError('server.host must be a host name or address')
  if (typeof restrictWrap !== 'boolean') throw new UsageError('server.restrictWrap must be true or false')
  const [minBody, maxBody] = MAX_BODY_BYTES_RANGE
  const maxBodyBytes = integerIn(
    server.maxBodyBytes ?? KMS_SERVER_DEFAULTS.maxBodyBytes,
    'server.maxBodyBytes',
    minBody,
    maxBody,
  )
  const access = privilegesPolicy(server.privileges, env, restrictWrap)
  const backend = backendOf(server, context, env)
  checkKnownIds(backend, policyKeyIds(access))
  return {
    port: integerIn(port, 'server.port', 0, 65535),
    host,
    options: {
      backend,
      access,
      maxBodyBytes,
      authFailureLimit: authFailureLimitSection(server.authFailureLimit),
      ...optional({ tls: tlsSection(server.tls), log: context.log, insecureHttp: context.insecureHttp }),
    },
  }
}

/** The entries whose value is defined (exactOptionalPropertyTypes: no `key: undefined`). */
function optional<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>
}
