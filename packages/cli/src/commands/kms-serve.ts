import { UsageError } from '@pme/core'
import {
  type AdapterBackend,
  backendSection,
  createKmsServer,
  type KmsServerSettings,
  kmsServerSettings,
} from '@pme/kms-server'
import { loadAdapter, loadConfig } from '../kms.js'
import type { Command, CommandContext } from './command.js'

/** Resolves with the signal's name when the server should stop. */
export type StopSignal = () => Promise<string>

/** SIGINT (Ctrl-C) or SIGTERM, whichever comes first. */
export const processStopSignal: StopSignal = () =>
  new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve(signal)
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

function portFlag(raw: unknown): number | undefined {
  if (raw === undefined) return undefined
  const port = Number(raw)
  if (!/^\d+$/.test(String(raw)) || port > 65535) throw new UsageError(`--port must be 0 to 65535, got "${raw}"`)
  return port
}

/** `--open` stands for `"privileges": "open"`, and may not contradict privileges set in the file. */
function withOpenFlag(server: Record<string, unknown>, open: boolean): Record<string, unknown> {
  if (!open) return server
  if (server.privileges !== undefined) throw new UsageError('--open and server.privileges exclude each other')
  return { ...server, privileges: 'open' }
}

/** --tls-cert, --tls-key and --tls-client-ca stand for `server.tls`'s cert, key and clientCa, over them. */
function withTlsFlags(server: Record<string, unknown>, values: Record<string, unknown>): Record<string, unknown> {
  const flags = { cert: values['tls-cert'], key: values['tls-key'], clientCa: values['tls-client-ca'] }
  const given = Object.entries(flags).filter(([, value]) => typeof value === 'string' && value !== '')
  if (given.length === 0) return server
  const tls = isObject(server.tls) ? server.tls : {}
  return { ...server, tls: { ...tls, ...Object.fromEntries(given) } }
}

/** The adapter that `server.backend` names, loaded the way every command loads one. */
async function adapterBackend(server: unknown, env: NodeJS.ProcessEnv): Promise<AdapterBackend | undefined> {
  const section = backendSection(server, env)
  if (!section) return undefined
  const adapter = await loadAdapter(section.type)
  return {
    factory: await adapter.createKmsClientFactory(section.settings),
    connection: section.connection,
    name: section.type,
  }
}

/** The `server` section of the config file, with --key-list / PME_KEY_LIST and --open applied. */
async function serverSettings({ values, env, stderr }: CommandContext): Promise<KmsServerSettings> {
  const config = await loadConfig(values, env)
  const server = config.file.server ?? {}
  if (!isObject(server)) throw new UsageError('server must be an object')
  const keyList = config.settings.get('kms.keyList')
  // A key list from the flag or the environment overrides server.masterKeys; the file's kms.keyList
  // stands in only when the server section names no keys of its own.
  const ownKeys = server.masterKeys !== undefined || server.backend !== undefined
  const masterKeys = keyList && (keyList.source !== 'file' || !ownKeys) ? String(keyList.value) : undefined
  return kmsServerSettings(withTlsFlags(withOpenFlag(server, values.open === true), values), {
    env,
    masterKeys,
    insecureHttp: values['insecure-http'] === true,
    backend: await adapterBackend(server, env),
    log: (line) => stderr.write(`${line}\n`),
  })
}

function describeSetup(settings: KmsServerSettings): string {
  const { backend, access } = settings.options
  const kms =
    'factory' in backend
      ? `adapter ${backend.name ?? '(unnamed)'}`
      : `local (${backend.masterKeyIds().length} master keys)`
  const privileges =
    access === 'open' ? 'OPEN: every caller may use every key (for local tests only)' : 'from the config'
  const tls = settings.options.tls
    ? `TLS${settings.options.tls.clientCa ? ', client certificates required' : ''}`
    : 'none (plain HTTP)'
  return `  backend: ${kms}\n  privileges: ${privileges}\n  tls: ${tls}\n`
}

async function listen(settings: KmsServerSettings, port: number, host: string) {
  const server = createKmsServer(settings.options)
  try {
    return { server, url: await server.listen(port, host) }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE') throw new UsageError(`port ${port} on ${host} is in use: choose another with --port`)
    if (code === 'EACCES') throw new UsageError(`no permission to listen on ${host}:${port}: use a port above 1023`)
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      throw new UsageError(`cannot listen on ${host}: not an address of this machine`)
    throw error
  }
}

/** `pme kms serve`, stopping on what `stopSignal` resolves (SIGINT/SIGTERM by default). */
export function createKmsServeCommand(stopSignal: StopSignal = processStopSignal): Command {
  return {
    name: 'kms serve',
    summary: 'run the HTTP KMS: wrap/unwrap per master key, Swagger UI at /docs, Prometheus /metrics',
    usage: `pme kms serve [--port 8001] [--host 127.0.0.1] [--config <file>] [--key-list-file <file>] [--open]
                    [--tls-cert <pem> --tls-key <pem> [--tls-client-ca <pem>]] [--insecure-http]
  The "server" section of pme.config.json sets master keys, privileges (levels or grants), restrictWrap,
  maxBodyBytes, tls, authFailureLimit, or an adapter backend; see @pme/kms-server's README. Tokens and
  master keys may be "$env:NAME" or "$file:/path".
  --port, --host         where to listen (default 127.0.0.1:8001; --port 0 picks a free port)
  --key-list-file        a file holding the master keys (or PME_KEY_LIST_FILE; --key-list and
                         PME_KEY_LIST take them as is), over server.masterKeys
  --tls-cert, --tls-key  serve HTTPS with this certificate chain and private key (PEM files)
  --tls-client-ca        demand client certificates signed by this CA (PEM file)
  --insecure-http        allow plain HTTP on a host other than loopback (refused otherwise)
  --open                 no privileges: every caller may use every key (local experiments only)
  After 20 failed authentications in a minute, a client address gets 429 until the minute is over.
  Request logs go to stderr, one line per request, without keys or tokens. Ctrl-C stops it.`,
    examples: [
      'pme kms serve --config pme.config.json',
      'pme kms serve --config pme.config.json --host 0.0.0.0 --tls-cert kms.crt --tls-key kms.key',
      'pme kms serve --key-list-file keys.txt --open --port 9000',
    ],
    options: {
      config: { type: 'string' },
      'key-list': { type: 'string' },
      'key-list-file': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'tls-client-ca': { type: 'string' },
      'insecure-http': { type: 'boolean' },
      port: { type: 'string' },
      host: { type: 'string' },
      open: { type: 'boolean' },
    },
    async run(context) {
      if (context.positionals.length > 0) throw new UsageError('kms serve takes no file')
      const settings = await serverSettings(context)
      const port = portFlag(context.values.port) ?? settings.port
      const host = (context.values.host as string | undefined) || settings.host
      const { server, url } = await listen(settings, port, host)
      const stopped = stopSignal()
      await context.out(
        `pme KMS listening on ${url}\n  Swagger UI: ${url}/docs\n  metrics: ${url}/metrics\n${describeSetup(settings)}  Ctrl-C stops it\n`,
      )
      const signal = await stopped
      await server.close()
      await context.out(`pme KMS stopped (${signal})\n`)
    },
  }
}

export const kmsServeCommand: Command = createKmsServeCommand()
