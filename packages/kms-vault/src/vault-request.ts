import { request as httpRequest } from 'node:http'
import { Agent, request as httpsRequest } from 'node:https'
import { readResponseBody, type TlsClientOptions } from '@pme/core'

/** What node-vault hands its request function (its former `request-promise` interface). */
export interface VaultRequestOptions {
  readonly method: string
  readonly uri: string
  readonly headers?: Record<string, string>
  readonly json?: unknown
  readonly timeout?: number
}

/** What node-vault expects back. */
export interface VaultResponse {
  readonly statusCode: number
  readonly body: unknown
  readonly request: { readonly path: string }
}

/** Vault answers are small JSON documents; a larger one is not Vault. */
const MAX_RESPONSE_BYTES = 1024 * 1024

class VaultRequestError extends Error {
  readonly code: string
  constructor(code: string) {
    super(`Vault request failed (${code})`)
    this.name = 'VaultRequestError'
    this.code = code
  }
}

function parseJson(bytes: Buffer): unknown {
  try {
    return bytes.length === 0 ? undefined : JSON.parse(bytes.toString('utf8'))
  } catch {
    return undefined
  }
}

/**
 * The request function node-vault calls (its `request-promise` option), on node:http(s) alone. It
 * replaces node-vault's axios, whose follow-redirects dependency prints request headers (the Vault
 * token) under `DEBUG=*`, and which honours VAULT_SKIP_VERIFY. Redirects are not followed (a
 * redirect would carry the token elsewhere): a 3xx is an answer like any other non-200. TLS uses
 * the configured CA, client certificate and server name, and always verifies.
 */
export function vaultRequestFunction(tls: TlsClientOptions | undefined) {
  const agent = new Agent({ keepAlive: true, ...tls, rejectUnauthorized: true })
  const send = (options: VaultRequestOptions): Promise<VaultResponse> =>
    new Promise((resolve, reject) => {
      const url = new URL(options.uri)
      const body = options.json === undefined ? undefined : Buffer.from(JSON.stringify(options.json))
      const headers: Record<string, string> = { accept: 'application/json', ...options.headers }
      if (body) {
        headers['content-type'] = 'application/json'
        headers['content-length'] = String(body.length)
      }
      const https = url.protocol === 'https:'
      const request = (https ? httpsRequest : httpRequest)(url, {
        method: options.method,
        headers,
        ...(https ? { agent } : {}),
      })
      if (options.timeout) {
        request.setTimeout(options.timeout, () => request.destroy(new VaultRequestError('ECONNABORTED')))
      }
      request.on('error', reject)
      request.on('response', (response) => {
        readResponseBody(response, MAX_RESPONSE_BYTES).then(
          (bytes) =>
            resolve({ statusCode: response.statusCode ?? 0, body: parseJson(bytes), request: { path: url.pathname } }),
          reject,
        )
      })
      request.end(body)
    })
  return { defaults: () => send }
}
