import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { startEmulator } from '../kms/child-processes.js'
import { cliBin } from '../setup/paths.js'

/** A `pme kms serve` child process (tracked like the emulators: no run leaves it behind). */
export interface Gateway {
  readonly url: string
  /** Its Prometheus text (`GET /metrics`). */
  metrics(): Promise<string>
  stop(): Promise<void>
}

/**
 * Starts `pme kms serve --port 0 --config <config>` with `env` (master keys, tokens, backend
 * credentials: secrets go through the environment, as `$env:NAME` in the config) and waits for
 * its "listening on <url>" line.
 */
export async function startGateway(name: string, config: string, env: Record<string, string>): Promise<Gateway> {
  let url = ''
  const { stop } = await startEmulator({
    name: `pme kms serve (${name})`,
    command: process.execPath,
    args: [cliBin, 'kms', 'serve', '--port', '0', '--config', config],
    env,
    ready: async (log) => {
      url = /listening on (http:\/\/\S+)/.exec(log)?.[1] ?? ''
      return url !== ''
    },
    timeoutMs: 30_000,
  })
  return { url, metrics: async () => (await fetch(`${url}/metrics`)).text(), stop }
}

function openssl(args: string[]): void {
  const run = spawnSync('openssl', args, { encoding: 'utf8', timeout: 30_000 })
  if (run.error || run.status !== 0) throw new Error(`openssl ${args[0]} failed: ${run.error?.message ?? run.stderr}`)
}

/** A throwaway CA (its certificate in `<dir>/<name>.pem`): what a company's private CA would be. */
export function makeCa(dir: string, name: string): { cert: string; key: string } {
  const cert = path.join(dir, `${name}.pem`)
  const key = path.join(dir, `${name}-key.pem`)
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '1',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ])
  return { cert, key }
}

/** A server certificate for 127.0.0.1 signed by `ca`. */
function serverCertificate(dir: string, ca: { cert: string; key: string }): { cert: string; key: string } {
  const key = path.join(dir, 'server-key.pem')
  const csr = path.join(dir, 'server.csr')
  const cert = path.join(dir, 'server.pem')
  const extensions = path.join(dir, 'server.ext')
  writeFileSync(extensions, 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n')
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', '/CN=127.0.0.1'])
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-CAcreateserial',
    '-out',
    cert,
    '-days',
    '1',
    '-extfile',
    extensions,
  ])
  return { cert, key }
}

export interface TlsProxy {
  readonly url: string
  /** The PEM file of the CA that signed the proxy's certificate: what the clients' CA-file setting takes. */
  readonly caFile: string
  /** Requests forwarded so far. */
  readonly requests: () => number
  stop(): Promise<void>
}

/**
 * HTTPS in front of a gateway, as a TLS-terminating load balancer would be: a certificate for
 * 127.0.0.1 signed by a CA made here, every request forwarded as is (headers included) to `target`.
 */
export async function startTlsProxy(dir: string, target: string): Promise<TlsProxy> {
  const ca = makeCa(dir, 'gateway-ca')
  const server = serverCertificate(dir, ca)
  let requests = 0
  const proxy = createServer({ key: readFileSync(server.key), cert: readFileSync(server.cert) }, (req, res) => {
    requests++
    const upstream = httpRequest(
      `${target}${req.url ?? '/'}`,
      { method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      },
    )
    upstream.on('error', () => {
      res.writeHead(502)
      res.end()
    })
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  const { port } = proxy.address() as AddressInfo
  return {
    url: `https://127.0.0.1:${port}`,
    caFile: ca.cert,
    requests: () => requests,
    stop: () =>
      new Promise<void>((resolve) => {
        proxy.close(() => resolve())
        proxy.closeAllConnections()
      }),
  }
}
