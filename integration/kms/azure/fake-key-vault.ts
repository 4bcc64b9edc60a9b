import { spawnSync } from 'node:child_process'
import {
  constants,
  createPublicKey,
  generateKeyPair,
  type KeyObject,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  randomUUID,
} from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer, type Server } from 'node:https'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { listen, shutdown } from '../ports.js'

/*
 * A FAKE of Azure Key Vault's keys API, for the integration suites. lowkey-vault (the emulator) is not
 * installable here (its server jar is not on Maven Central); this fake is written from the Key Vault
 * REST API as @azure/keyvault-keys 4.10.2 (+ @azure/keyvault-common 2.1.1) sends it: paths, query,
 * bodies, the challenge the SDK's authentication policy expects, and Key Vault's error body shape. It
 * is not Microsoft's service: Entra ID tokens, RBAC/access policies, HSMs, soft delete, key
 * attributes (nbf/exp/enabled) and every other API are absent or simplified. Every report that uses
 * it says so.
 *
 * What it implements (HTTPS only, as the SDK refuses bearer tokens over plain HTTP):
 * - The bearer challenge: a request without `Authorization` → 401 with
 *   `WWW-Authenticate: Bearer authorization="https://login.microsoftonline.com/<tenant>", resource="https://vault.azure.net"`
 *   (the SDK withholds the body of that first request, then retries it with a token).
 * - Tokens are opaque strings the fake issued (`createPrincipal`); each maps to a principal with
 *   key permissions (access-policy style: get, create, wrapKey, unwrapKey) on every key or on some
 *   key names only. Unknown token → 401 Unauthorized; a permission missing → 403 Forbidden
 *   (innererror ForbiddenByPolicy).
 * - `api-version` query parameter required (any value accepted), else 400 BadParameter.
 * - `POST /keys/{name}/create` {kty: RSA|RSA-HSM, key_size, key_ops} → KeyBundle; creating an
 *   existing name adds a new current version (that is how Key Vault rotates by hand).
 * - `GET /keys/{name}`, `/keys/{name}/` (current version) and `/keys/{name}/{version}` → KeyBundle
 *   {key: {kid, kty, key_ops, n, e}, attributes}; kid = `<vault url>/keys/<name>/<32 hex version>`,
 *   the vault URL being the one the request addressed (its Host header), as Key Vault's kid names
 *   the vault's DNS name: right behind a port mapping (a container) too.
 * - `POST /keys/{name}/{version}/wrapkey` and `/unwrapkey` {alg, value: base64url} → {kid, value}:
 *   RSA-OAEP-256 (OAEP, SHA-256) and RSA-OAEP (OAEP, SHA-1) with node:crypto; other algorithms → 400.
 *   A ciphertext another key (version) made fails to decrypt → 400 BadParameter.
 * - Errors as Key Vault writes them: `{"error":{"code":"KeyNotFound","message":...}}` 404 for an
 *   unknown key name or version, BadParameter 400, Unauthorized 401, Forbidden 403.
 * Key names are case-insensitive, as Key Vault's.
 */

export type KeyPermission = 'get' | 'create' | 'wrapKey' | 'unwrapKey'
export const ALL_KEY_PERMISSIONS: readonly KeyPermission[] = ['get', 'create', 'wrapKey', 'unwrapKey']

interface Principal {
  readonly objectId: string
  readonly permissions: ReadonlySet<KeyPermission>
  /** Lower-cased key names the permissions apply to; undefined = every key of the vault. */
  readonly keys: ReadonlySet<string> | undefined
}

interface KeyVersion {
  readonly version: string
  readonly privateKey: KeyObject
  readonly jwk: { n: string; e: string }
  readonly keyOps: string[]
  readonly kty: string
  readonly created: number
}

interface VaultKey {
  readonly name: string
  readonly versions: KeyVersion[]
}

/** The TLS material of a throwaway self-signed certificate for 127.0.0.1 / localhost. */
export interface FakeTls {
  readonly key: string
  readonly cert: string
}

const generateRsa = promisify(generateKeyPair)
const TLS_DIR_PREFIX = 'pme-fake-key-vault-tls-'
const NAME = /^[0-9A-Za-z-]{1,127}$/
const B64URL = /^[A-Za-z0-9_-]*={0,2}$/
const OAEP_HASH: Record<string, string> = { 'RSA-OAEP-256': 'sha256', 'RSA-OAEP': 'sha1' }
const DEFAULT_OPS = ['encrypt', 'decrypt', 'sign', 'verify', 'wrapKey', 'unwrapKey']

class KvHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly inner?: string,
  ) {
    super(message)
  }
}

/**
 * Makes a throwaway self-signed certificate (SAN IP:127.0.0.1, DNS:localhost, 1 day) with the
 * `openssl` CLI (node:crypto cannot issue X.509 certificates). Returns the folder holding
 * `key.pem` and `cert.pem`; the caller removes it.
 */
export function makeThrowawayCertificate(): string {
  sweepExpiredCertificates()
  const dir = mkdtempSync(path.join(tmpdir(), TLS_DIR_PREFIX))
  const run = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=pme fake Azure Key Vault (throwaway)',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { encoding: 'utf8' },
  )
  if (run.error || run.status !== 0) {
    rmSync(dir, { recursive: true, force: true })
    throw new Error(
      `fake Key Vault: openssl could not make a self-signed certificate: ${run.error?.message ?? run.stderr.trim()}`,
    )
  }
  return dir
}

/** Removes certificate folders a run that could not clean up left behind (older than their one-day validity). */
function sweepExpiredCertificates(): void {
  const dayAgo = Date.now() - 24 * 60 * 60 * 1000
  for (const entry of readdirSync(tmpdir())) {
    if (!entry.startsWith(TLS_DIR_PREFIX)) continue
    const dir = path.join(tmpdir(), entry)
    try {
      if (statSync(dir).mtimeMs < dayAgo) rmSync(dir, { recursive: true, force: true })
    } catch {
      // gone already, or not ours to remove
    }
  }
}

export function readTls(dir: string): FakeTls {
  return {
    key: readFileSync(path.join(dir, 'key.pem'), 'utf8'),
    cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8'),
  }
}

/** Writes `certs` (PEM) and the file `existing` names, if any, into one bundle for NODE_EXTRA_CA_CERTS. */
export function writeCaBundle(dir: string, cert: string, existing: string | undefined): string {
  const bundle = path.join(dir, 'ca-bundle.pem')
  let previous = ''
  if (existing) {
    try {
      previous = `${readFileSync(existing, 'utf8').trim()}\n`
    } catch {
      previous = ''
    }
  }
  writeFileSync(bundle, `${previous}${cert.trim()}\n`)
  return bundle
}

export class FakeKeyVault {
  /** The Entra ID tenant the challenge names. */
  readonly tenantId = randomUUID()
  readonly #principals = new Map<string, Principal>()
  readonly #keys = new Map<string, VaultKey>()
  readonly #tls: FakeTls
  #server: Server | undefined
  #url = ''
  /** Requests received, for tests: all, and those the challenge answered. */
  readonly counts = { requests: 0, challenges: 0 }

  constructor(tls: FakeTls) {
    this.#tls = tls
  }

  /** The vault URL, `https://127.0.0.1:<port>`. */
  get url(): string {
    return this.#url
  }

  /** Listens on `host:port` (default: a free loopback port); returns the vault URL. */
  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    this.#server = createServer({ key: this.#tls.key, cert: this.#tls.cert }, (req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) sendError(res, new KvHttpError(500, 'InternalServerError', 'fake Key Vault failure'))
        else res.destroy(error as Error)
      })
    })
    this.#url = `https://127.0.0.1:${await listen(this.#server, port, host)}`
    return this.#url
  }

  stop(): Promise<void> {
    return shutdown(this.#server)
  }

  /**
   * A bearer token for a new principal with `permissions` on every key, or on the key names `keys`
   * only (what an access policy or a per-key RBAC assignment grants).
   */
  createPrincipal(permissions: readonly KeyPermission[], keys?: readonly string[]): string {
    const token = `fake-kv-token-${randomBytes(24).toString('base64url')}`
    this.addPrincipal(token, permissions, keys)
    return token
  }

  /** Registers `token` as `createPrincipal` would make it (a fake in a container gets its tokens this way). */
  addPrincipal(token: string, permissions: readonly KeyPermission[], keys?: readonly string[]): void {
    this.#principals.set(token, {
      objectId: randomUUID(),
      permissions: new Set(permissions),
      keys: keys ? new Set(keys.map((k) => k.toLowerCase())) : undefined,
    })
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.counts.requests++
    const body = await readBody(req)
    const url = new URL(req.url ?? '/', 'https://fake')
    const auth = req.headers.authorization
    if (!auth) {
      this.counts.challenges++
      res.setHeader(
        'WWW-Authenticate',
        `Bearer authorization="https://login.microsoftonline.com/${this.tenantId}", resource="https://vault.azure.net"`,
      )
      sendError(res, new KvHttpError(401, 'Unauthorized', 'AKV10000: Request is missing a Bearer or PoP token.'))
      return
    }
    try {
      const principal = this.#principals.get(/^Bearer (.+)$/.exec(auth)?.[1] ?? '')
      if (!principal) throw new KvHttpError(401, 'Unauthorized', 'AKV10022: Invalid audience or token.')
      if (!url.searchParams.get('api-version'))
        throw new KvHttpError(400, 'BadParameter', "The 'api-version' query parameter is missing.")
      // Segments kept as sent: `/keys/name/` (the SDK's "current version" form) has an empty version.
      const parts = url.pathname.split('/').slice(1).map(decodeURIComponent)
      if (parts[0] !== 'keys' || parts.length < 2 || !parts[1])
        throw new KvHttpError(404, 'NotFound', `The fake Key Vault does not implement ${req.method} ${url.pathname}`)
      const name = parts[1]
      if (!NAME.test(name)) throw new KvHttpError(400, 'BadParameter', `Invalid key name "${name}".`)
      const vault = req.headers.host ? `https://${req.headers.host}` : this.#url
      const rest = parts.slice(2)
      if (req.method === 'POST' && rest.length === 1 && rest[0] === 'create') {
        this.#authorize(principal, 'create', name)
        sendJson(res, 200, await this.#create(vault, name, parseJson(body)))
        return
      }
      if (req.method === 'GET' && rest.length <= 1) {
        this.#authorize(principal, 'get', name)
        sendJson(res, 200, this.#bundle(vault, name, this.#version(name, rest[0] ?? '')))
        return
      }
      if (req.method === 'POST' && rest.length === 2 && (rest[1] === 'wrapkey' || rest[1] === 'unwrapkey')) {
        const operation = rest[1] === 'wrapkey' ? 'wrapKey' : 'unwrapKey'
        this.#authorize(principal, operation, name)
        const version = this.#version(name, rest[0] ?? '')
        sendJson(res, 200, this.#crypt(vault, name, version, operation, parseJson(body)))
        return
      }
      throw new KvHttpError(404, 'NotFound', `The fake Key Vault does not implement ${req.method} ${url.pathname}`)
    } catch (error) {
      if (error instanceof KvHttpError) sendError(res, error)
      else throw error
    }
  }

  #authorize(principal: Principal, permission: KeyPermission, name: string): void {
    const onKey = principal.keys === undefined || principal.keys.has(name.toLowerCase())
    if (onKey && principal.permissions.has(permission)) return
    const host = new URL(this.#url).host
    throw new KvHttpError(
      403,
      'Forbidden',
      `The user, group or application 'appid=;oid=${principal.objectId};iss=https://sts.windows.net/${this.tenantId}/' does not have keys ${permission.toLowerCase()} permission on key vault '${host};location=fake'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287`,
      'ForbiddenByPolicy',
    )
  }

  async #create(vault: string, name: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const kty = body.kty
    if (kty !== 'RSA' && kty !== 'RSA-HSM')
      throw new KvHttpError(400, 'BadParameter', `The fake Key Vault creates RSA keys only (kty "${String(kty)}").`)
    const size = body.key_size === undefined ? 2048 : body.key_size
    if (size !== 2048 && size !== 3072 && size !== 4096)
      throw new KvHttpError(400, 'BadParameter', `Invalid key size ${String(size)}.`)
    const ops = Array.isArray(body.key_ops) && body.key_ops.length > 0 ? body.key_ops.map(String) : DEFAULT_OPS
    const { privateKey } = await generateRsa('rsa', { modulusLength: size })
    const jwk = createPublicKey(privateKey).export({ format: 'jwk' }) as { n: string; e: string }
    const version: KeyVersion = {
      version: randomBytes(16).toString('hex'),
      privateKey,
      jwk: { n: jwk.n, e: jwk.e },
      keyOps: ops,
      kty,
      created: Math.floor(Date.now() / 1000),
    }
    const key = this.#keys.get(name.toLowerCase()) ?? { name, versions: [] }
    key.versions.push(version)
    this.#keys.set(name.toLowerCase(), key)
    return this.#bundle(vault, key.name, version)
  }

  #notFound(name: string): KvHttpError {
    return new KvHttpError(
      404,
      'KeyNotFound',
      `A key with (name/id) ${name} was not found in this key vault. If you recently deleted this key you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
    )
  }

  /** The version `id` of key `name` ('' = the current one). */
  #version(name: string, id: string): KeyVersion {
    const key = this.#keys.get(name.toLowerCase())
    if (!key) throw this.#notFound(name)
    const version = id === '' ? key.versions.at(-1) : key.versions.find((v) => v.version === id.toLowerCase())
    if (!version) throw this.#notFound(`${name}/${id}`)
    return version
  }

  #kid(vault: string, name: string, version: KeyVersion): string {
    const key = this.#keys.get(name.toLowerCase())
    return `${vault}/keys/${key?.name ?? name}/${version.version}`
  }

  #bundle(vault: string, name: string, version: KeyVersion): Record<string, unknown> {
    return {
      key: {
        kid: this.#kid(vault, name, version),
        kty: version.kty,
        key_ops: version.keyOps,
        n: version.jwk.n,
        e: version.jwk.e,
      },
      attributes: {
        enabled: true,
        created: version.created,
        updated: version.created,
        recoveryLevel: 'Recoverable+Purgeable',
        recoverableDays: 90,
        exportable: false,
      },
    }
  }

  #crypt(
    vault: string,
    name: string,
    version: KeyVersion,
    operation: 'wrapKey' | 'unwrapKey',
    body: Record<string, unknown>,
  ): Record<string, unknown> {
    if (!version.keyOps.includes(operation))
      throw new KvHttpError(
        403,
        'Forbidden',
        `Operation ${operation} is not permitted on this key.`,
        'KeyOperationForbidden',
      )
    const alg = typeof body.alg === 'string' ? body.alg : ''
    const hash = OAEP_HASH[alg]
    if (!hash)
      throw new KvHttpError(
        400,
        'BadParameter',
        `Invalid algorithm "${alg}" (the fake supports RSA-OAEP-256, RSA-OAEP).`,
      )
    if (typeof body.value !== 'string' || body.value === '' || !B64URL.test(body.value))
      throw new KvHttpError(400, 'BadParameter', "Property 'value' is not a base64url string.")
    const input = Buffer.from(body.value, 'base64url')
    const options = { key: version.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }
    let output: Buffer
    if (operation === 'wrapKey') {
      try {
        output = publicEncrypt(options, input)
      } catch {
        throw new KvHttpError(400, 'BadParameter', 'The value is too long for this key and algorithm.')
      }
    } else {
      try {
        output = privateDecrypt(options, input)
      } catch {
        throw new KvHttpError(400, 'BadParameter', 'Error occurred while decrypting the value (wrong key or damaged).')
      }
    }
    return { kid: this.#kid(vault, name, version), value: output.toString('base64url') }
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function parseJson(body: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(body) as unknown
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      return parsed as Record<string, unknown>
  } catch {
    // below
  }
  throw new KvHttpError(400, 'BadParameter', 'The request body is not a JSON object.')
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'x-ms-request-id': randomUUID(),
  })
  res.end(text)
}

function sendError(res: ServerResponse, error: KvHttpError): void {
  sendJson(res, error.status, {
    error: { code: error.code, message: error.message, ...(error.inner ? { innererror: { code: error.inner } } : {}) },
  })
}
