import type { Server as HttpServer } from 'node:http'
import { type AddressInfo, createServer, type Server } from 'node:net'

/** A loopback port that was free a moment ago (the OS picks it; nothing listens on it now). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no TCP address for a loopback listener')
  return address.port
}

/** A base URL where the connection is refused (a port that was just closed). */
export async function refusingUrl(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`
}

/** Polls `check` until it resolves true, or fails after `timeoutMs` with `what` and the last error. */
export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    try {
      if (await check()) return
    } catch (error) {
      last = error
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`${what} not ready after ${timeoutMs} ms${last instanceof Error ? ` (last: ${last.message})` : ''}`)
}

/** Starts `server` on `host:port` (port 0: a free one); returns the port it got. */
export async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, resolve)
  })
  return (server.address() as AddressInfo).port
}

/** Stops an HTTP(S) server at once: open connections are cut, not waited for. */
export async function shutdown(server: HttpServer | undefined): Promise<void> {
  if (!server) return
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
}
