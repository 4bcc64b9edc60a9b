import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface SeenRequest {
  readonly method: string
  readonly path: string
  readonly headers: IncomingMessage['headers']
  readonly body: Record<string, unknown>
}

/** What the fake answers: a status and a JSON body, or `'hang'` (never answers). */
export type FakeReply = { status: number; body?: unknown } | 'hang'

/** A tiny HTTP server standing in for Vault, for error-mapping unit tests. */
export class FakeVault {
  readonly requests: SeenRequest[] = []
  #server: Server | undefined

  constructor(private readonly reply: (request: SeenRequest) => FakeReply) {}

  async start(): Promise<string> {
    this.#server = createServer((req, res) => {
      let text = ''
      req.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk
      })
      req.on('end', () => {
        const seen = {
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: text ? JSON.parse(text) : {},
        }
        this.requests.push(seen)
        const reply = this.reply(seen)
        if (reply === 'hang') return
        res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body ?? {}))
      })
    })
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections()
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()))
  }
}
