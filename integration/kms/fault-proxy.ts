import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer, type Server as HttpsServer, request as httpsRequest } from 'node:https'
import { listen, shutdown } from './ports.js'

/** Options of a FaultProxy. */
export interface FaultProxyOptions {
  /** Serve HTTPS with this key and certificate (for clients that refuse plain HTTP, e.g. Azure's SDK). */
  readonly tls?: { readonly key: string; readonly cert: string }
  /**
   * Which requests are operations: only those are counted and faulted; others pass untouched
   * (default: all). Azure: the unauthenticated challenge probe its SDK sends first is not one.
   */
  readonly isOperation?: (req: IncomingMessage) => boolean
}

/** What the proxy does with the next requests. */
export type Fault = { kind: 'status'; status: number } | { kind: 'delay'; ms: number }

/**
 * A small HTTP proxy in front of a KMS: forwards every request to `target`, except that the next
 * N requests can be answered with an error status (503, 429...) or held longer than the client's
 * timeout. Counts what it receives, so a test can check how many attempts a client made.
 */
export class FaultProxy {
  /** Requests received since start or the last `inject`. */
  received = 0
  #faults: Fault[] = []
  #forever = false
  #server: Server | HttpsServer | undefined
  readonly #held = new Set<NodeJS.Timeout>()

  constructor(
    private readonly target: string,
    private readonly options: FaultProxyOptions = {},
  ) {}

  /** Starts listening on a free loopback port; returns the proxy's base URL. */
  async start(): Promise<string> {
    const handler = (req: IncomingMessage, res: ServerResponse) => this.#handle(req, res)
    const tls = this.options.tls
    this.#server = tls ? createHttpsServer({ key: tls.key, cert: tls.cert }, handler) : createServer(handler)
    return `${tls ? 'https' : 'http'}://127.0.0.1:${await listen(this.#server, 0, '127.0.0.1')}`
  }

  /** The next `count` requests get `fault` (Infinity: all of them); later ones pass. Resets the count. */
  inject(fault: Fault, count: number): void {
    this.received = 0
    this.#faults = Number.isFinite(count) ? Array.from({ length: count }, () => fault) : [fault]
    this.#forever = !Number.isFinite(count)
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    if (this.options.isOperation && !this.options.isOperation(req)) {
      this.#forward(req, res)
      return
    }
    this.received++
    const fault = this.#forever ? this.#faults[0] : this.#faults.shift()
    if (fault?.kind === 'status') {
      req.resume()
      res.writeHead(fault.status, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ errors: [`injected fault: HTTP ${fault.status}`], message: 'injected fault' }))
      return
    }
    if (fault?.kind === 'delay') {
      const timer = setTimeout(() => {
        this.#held.delete(timer)
        this.#forward(req, res)
      }, fault.ms)
      this.#held.add(timer)
      return
    }
    this.#forward(req, res)
  }

  #forward(req: IncomingMessage, res: ServerResponse): void {
    if (res.destroyed || req.destroyed) return
    const url = new URL(req.url ?? '/', this.target)
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest
    const upstream = send(url, { method: req.method, headers: { ...req.headers, host: url.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end()
      else res.destroy()
    })
    req.pipe(upstream)
  }

  async stop(): Promise<void> {
    for (const timer of this.#held) clearTimeout(timer)
    this.#held.clear()
    await shutdown(this.#server)
  }
}
