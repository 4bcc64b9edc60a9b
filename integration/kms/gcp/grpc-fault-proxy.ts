import http2, {
  type ClientHttp2Session,
  type Http2Server,
  type Http2Session,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2'
import type { AddressInfo } from 'node:net'
import type { FaultInjector } from '../backend.js'
import type { Fault } from '../fault-proxy.js'

/** gRPC status codes the proxy answers with. */
const RESOURCE_EXHAUSTED = 8

/**
 * The contract's fault proxy for gRPC (plaintext HTTP/2, "h2c"), which the HTTP/1.1 FaultProxy
 * cannot carry: forwards every RPC (one HTTP/2 stream) to `target`, except that the next N RPCs can
 * get a fault. Counts the RPCs it receives.
 *
 * - `status 503`: an HTTP/2 response with `:status 503` and no gRPC status, as a load balancer in
 *   front of the service would send; gRPC clients read it as UNAVAILABLE.
 * - `status 429`: Cloud KMS's own throttling answer, a gRPC RESOURCE_EXHAUSTED status (HTTP 200,
 *   trailers-only), which is what "429" becomes on Google's gRPC front end.
 * - other statuses: that HTTP status, as for 503.
 * - `delay`: the RPC is held for `ms`, then forwarded (the client's deadline expires first).
 */
export class GrpcFaultProxy implements FaultInjector {
  received = 0
  #faults: Fault[] = []
  #forever = false
  #server: Http2Server | undefined
  #upstream: ClientHttp2Session | undefined
  readonly #held = new Set<NodeJS.Timeout>()
  readonly #streams = new Set<ServerHttp2Stream>()
  readonly #sessions = new Set<Http2Session>()

  /**
   * `target`: the backend's base URL, `http://host:port` (plaintext gRPC) or `https://host` (TLS
   * upstream; the client still talks plaintext HTTP/2 to the proxy).
   */
  constructor(private readonly target: string) {}

  async start(): Promise<string> {
    const server = http2.createServer()
    server.on('stream', (stream, headers) => this.#handle(stream, headers))
    server.on('session', (session) => {
      this.#sessions.add(session)
      session.on('close', () => this.#sessions.delete(session))
    })
    this.#server = server
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }

  inject(fault: Fault, count: number): void {
    this.received = 0
    this.#faults = Number.isFinite(count) ? Array.from({ length: count }, () => fault) : [fault]
    this.#forever = !Number.isFinite(count)
  }

  #handle(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    this.received++
    this.#streams.add(stream)
    stream.on('close', () => this.#streams.delete(stream))
    stream.on('error', () => {})
    const fault = this.#forever ? this.#faults[0] : this.#faults.shift()
    if (fault?.kind === 'status') {
      stream.resume()
      if (fault.status === 429) {
        stream.respond(
          {
            ':status': 200,
            'content-type': 'application/grpc',
            'grpc-status': String(RESOURCE_EXHAUSTED),
            'grpc-message': encodeURIComponent('injected fault: quota exceeded (HTTP 429)'),
          },
          { endStream: true },
        )
      } else {
        stream.respond({ ':status': fault.status, 'content-type': 'text/plain' })
        stream.end(`injected fault: HTTP ${fault.status}`)
      }
      return
    }
    if (fault?.kind === 'delay') {
      const timer = setTimeout(() => {
        this.#held.delete(timer)
        this.#forward(stream, headers)
      }, fault.ms)
      this.#held.add(timer)
      return
    }
    this.#forward(stream, headers)
  }

  #session(): ClientHttp2Session {
    if (!this.#upstream || this.#upstream.closed || this.#upstream.destroyed) {
      this.#upstream = http2.connect(this.target)
      this.#upstream.on('error', () => {})
    }
    return this.#upstream
  }

  #forward(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    if (stream.destroyed || stream.closed) return
    const outgoing: OutgoingHttpHeaders = {}
    for (const [name, value] of Object.entries(headers)) {
      if (name === ':authority' || name === ':scheme' || name === 'connection') continue
      outgoing[name] = value
    }
    const upstream = this.#session().request(outgoing)
    let trailers: OutgoingHttpHeaders | undefined
    upstream.on('response', (answer) => {
      const { ':status': status, ...rest } = answer
      if (stream.destroyed) return
      stream.respond({ ':status': status ?? 502, ...rest }, { waitForTrailers: true })
      stream.on('wantTrailers', () => stream.sendTrailers(trailers ?? {}))
      upstream.pipe(stream)
    })
    upstream.on('trailers', (t) => {
      trailers = { ...t }
    })
    upstream.on('error', () => {
      if (!stream.headersSent && !stream.destroyed) stream.respond({ ':status': 502 }, { endStream: true })
      else stream.destroy()
    })
    stream.on('close', () => {
      if (!upstream.closed) upstream.close(http2.constants.NGHTTP2_CANCEL)
    })
    stream.pipe(upstream)
  }

  async stop(): Promise<void> {
    for (const timer of this.#held) clearTimeout(timer)
    this.#held.clear()
    for (const stream of this.#streams) stream.destroy()
    for (const session of this.#sessions) session.destroy()
    this.#upstream?.destroy()
    const server = this.#server
    if (!server) return
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
