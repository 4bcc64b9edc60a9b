import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { type AddressInfo, isIP } from 'node:net'
import { UsageError } from '@pme/core'
import { type KeyService, openBackend } from './backend.js'
import { send } from './http/respond.js'
import { KMS_SERVER_DEFAULTS, type KmsServerOptions } from './options.js'
import { RequestHandler } from './request-handler.js'
import { formatLogLine, stderrLogger } from './request-log.js'

export interface KmsServer {
  /**
   * Starts listening; resolves to the base URL, e.g. `https://10.0.0.5:8001`. Port 0 picks a free port.
   * A host other than loopback needs `tls` (or `insecureHttp`): a UsageError says so.
   */
  listen(port?: number, host?: string): Promise<string>
  /** Stops accepting connections, lets requests in flight finish, closes idle keep-alive connections. */
  close(): Promise<void>
  /** The base URL while listening. */
  readonly url: string | undefined
}

/** How long close() lets requests in flight run before it cuts their connections. */
const CLOSE_GRACE_MS = 5_000

function baseUrl(address: AddressInfo, tls: boolean): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return `${tls ? 'https' : 'http'}://${host}:${address.port}`
}

/** Loopback only: `localhost`, 127.0.0.0/8, ::1 (an IPv4-mapped 127.x too). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase()
  if (bare === 'localhost' || bare === '::1') return true
  const v4 = bare.startsWith('::ffff:') ? bare.slice('::ffff:'.length) : bare
  return isIP(v4) === 4 && v4.startsWith('127.')
}

/** Plain HTTP beyond loopback would carry tokens and unwrapped keys in clear: refused unless asked for. */
function checkPlainHttp(host: string, options: KmsServerOptions): void {
  if (options.tls || options.insecureHttp || isLoopbackHost(host)) return
  throw new UsageError(
    `refusing plain HTTP on ${host} (not loopback): tokens and unwrapped keys would cross the network in clear; give a certificate (--tls-cert and --tls-key, server.tls) or --insecure-http`,
  )
}

const TIMEOUTS = { requestTimeout: 30_000, headersTimeout: 10_000 }

/** An HTTP server, or an HTTPS one; with a client CA, the TLS handshake demands a certificate it signed. */
function createListener(
  options: KmsServerOptions,
  onRequest: (request: IncomingMessage, response: ServerResponse) => void,
): Server {
  const { tls } = options
  if (!tls) return createServer(TIMEOUTS, onRequest)
  return createHttpsServer(
    {
      ...TIMEOUTS,
      cert: tls.cert,
      key: tls.key,
      minVersion: 'TLSv1.2',
      ...(tls.clientCa ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
    },
    onRequest,
  )
}

/**
 * The HTTP KMS: wrap and unwrap per master key behind the server's own access policy, OpenAPI at
 * /openapi.json, Swagger UI at /docs, /healthz, /metrics. Options are checked here (UsageError).
 */
export function createKmsServer(options: KmsServerOptions): KmsServer {
  const log = options.log ?? stderrLogger
  let keys: Promise<KeyService> | undefined
  const handler = new RequestHandler(options, () => keys ?? Promise.reject(new Error('the server is not listening')))
  let server: Server | undefined
  let url: string | undefined

  const onRequest = async (request: IncomingMessage, response: ServerResponse) => {
    const started = performance.now()
    const { reply, error } = await handler.reply(request)
    send(response, reply)
    const entry = { method: request.method ?? '', target: request.url ?? '', status: reply.status }
    const durationMs = performance.now() - started
    log(formatLogLine({ ...entry, durationMs, code: error?.code, detail: error?.logDetail }))
  }

  return {
    get url() {
      return url
    },
    async listen(port = KMS_SERVER_DEFAULTS.port, host = KMS_SERVER_DEFAULTS.host) {
      if (server) throw new Error('the KMS server is already listening')
      checkPlainHttp(host, options)
      keys = openBackend(options.backend)
      await keys
      const listening = createListener(options, (request, response) => {
        // A failing logger or a socket gone mid-answer must not take the process down.
        onRequest(request, response).catch(() => response.destroy())
      })
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject)
        listening.listen(port, host, () => resolve())
      })
      server = listening
      url = baseUrl(listening.address() as AddressInfo, options.tls !== undefined)
      return url
    },
    async close() {
      const closing = server
      if (!closing) return
      server = undefined
      url = undefined
      const closed = new Promise<void>((resolve) => closing.close(() => resolve()))
      closing.closeIdleConnections()
      const timer = setTimeout(() => closing.closeAllConnections(), CLOSE_GRACE_MS)
      await closed
      clearTimeout(timer)
      // The adapter's client (a gRPC channel, an SDK client) goes with the server.
      const opened = keys
      keys = undefined
      await (await opened)?.close?.()
    },
  }
}
