import { Agent, request } from 'node:https'
import { readResponseBody, type TlsClientOptions } from '@pme/core'
import type { FetchLike } from './http-kms-client.js'

/** The server's answers are small JSON documents; a larger one is not this KMS. */
const MAX_RESPONSE_BYTES = 1024 * 1024

/**
 * A FetchLike over node:https with the configured CA, client certificate and server name (the
 * global fetch takes none of them). Certificates are always verified; redirects are not followed.
 */
export function tlsFetch(tls: TlsClientOptions): FetchLike {
  const agent = new Agent({ keepAlive: true, ...tls, rejectUnauthorized: true })
  return (input, init) =>
    new Promise((resolve, reject) => {
      const url = new URL(input)
      const body = typeof init.body === 'string' ? Buffer.from(init.body) : undefined
      const headers = { ...(init.headers as Record<string, string>) }
      if (body) headers['content-length'] = String(body.length)
      const outgoing = request(url, { method: init.method ?? 'GET', headers, agent, signal: init.signal ?? undefined })
      outgoing.on('error', reject)
      outgoing.on('response', (response) => {
        readResponseBody(response, MAX_RESPONSE_BYTES).then(
          (bytes) => resolve(new Response(bytes, { status: response.statusCode ?? 0 })),
          reject,
        )
      })
      outgoing.end(body)
    })
}
