import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type KeyService, openBackend } from './backend.js'
import { send } from './http/respond.js'
import { KMS_SERVER_DEFAULTS, type KmsServerOptions } from './options.js'
import { RequestHandler } from './request-handler.js'
import { formatLogLine, stderrLogger } from './request-log.js'

export interface KmsServer {
  /** Starts listening; resolves to the base URL, e.g. `http://127.0.0.1:8001`. Port 0 picks a free port. */
  listen(port?: number, host?: string): Promise<string>
  /** Stops accepting connections, lets requests in flight finish, closes idle keep-alive connections. */
  close(): Promise<void>
  /** The base URL while listening. */
  readonly url: string | undefined
}

/** How long close() lets requests in flight run before it cuts their connections. */
const CLOSE_GRACE_MS = 5_000

function baseUrl(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return `http://${host}:${address.port}`
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
      keys = openBackend(options.backend)
      await keys
      const listening = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, (request, response) => {
        // A failing logger or a socket gone mid-answer must not take the process down.
        onRequest(request, response).catch(() => response.destroy())
      })
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject)
        listening.listen(port, host, () => resolve())
      })
      server = listening
      url = baseUrl(listening.address() as AddressInfo)
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
    },
  }
}
