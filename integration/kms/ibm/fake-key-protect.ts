import { createCipheriv, createDecipheriv, createHmac, randomBytes, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { listen, shutdown } from '../ports.js'

/*
 * A FAKE of IBM Key Protect and of IBM Cloud IAM's token endpoint, for the integration suites.
 * No emulator of Key Protect exists; this one is written from IBM's published API definition (the
 * `@ibm-cloud/ibm-key-protect` SDK generated from it: paths, headers, bodies), IBM's error-message
 * reference (error body shape, reason codes, statuses) and IAM's API key grant. It is not IBM's
 * service: what IBM verifies (HSM-backed keys, real IAM policies, key states, dual authorization,
 * once-per-hour rotation) is either absent or simplified. Every test report that uses it says so.
 *
 * What it implements:
 * - `POST /identity/token` (form `grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=...`) →
 *   `{access_token, refresh_token, token_type: "Bearer", expires_in, expiration, scope}`; access
 *   tokens are JWT-shaped, signed by the fake, and expire (`tokenTtlSeconds`). Unknown API key →
 *   400 `{"errorCode":"BXNIM0415E","errorMessage":"Provided API key could not be found.",...}`.
 * - `POST /api/v2/keys` (create a root key), `DELETE /api/v2/keys/{id}`,
 *   `POST /api/v2/keys/{id|alias}/actions/{wrap|unwrap|rewrap|rotate}` with headers
 *   `authorization: Bearer <IAM token>` and `bluemix-instance: <instance GUID>`.
 * - Key versions: each rotation adds random AES-256 key material under a new version id; wrap uses
 *   the newest, unwrap any (and answers the rewrapped ciphertext with `rewrappedKeyVersion`).
 *   Ciphertext = base64(JSON {v: version number, kv: version id, iv, ct, tag}) sealed with AES-GCM
 *   (AAD = key id + version id): opaque to clients, as IBM's is.
 * - Errors in IBM's body shape: missing/invalid bearer token → 401 / 400 BEARER_SUB_EXTRACTION_ERR,
 *   an instance or key the principal has no role on → 401 UNAUTHORIZED_ERR, unknown key → 404
 *   KEY_NOT_FOUND_ERR, bad plaintext/ciphertext field → 400 INVALID_FIELD_ERR, a ciphertext of
 *   another key (or damaged) → 422 UNPROCESSABLE_CIPHERTEXT_ERR.
 * - Principals: API keys with a role (Reader, Writer, Manager) on the whole instance or on some keys
 *   only (`createApiKey`), so the suites can get a principal that is refused a key.
 */

export type KpRole = 'Reader' | 'Writer' | 'Manager'

interface Principal {
  readonly iamId: string
  readonly role: KpRole
  /** Key ids the role applies to; undefined = every key of the instance. */
  readonly keys: ReadonlySet<string> | undefined
}

interface KeyVersion {
  readonly id: string
  readonly material: Buffer
  readonly creationDate: string
}

interface RootKey {
  readonly id: string
  readonly name: string
  readonly aliases: string[]
  readonly versions: KeyVersion[]
  readonly creationDate: string
  deleted: boolean
}

export interface FakeKeyProtectOptions {
  /** Lifetime of issued IAM access tokens (default 3600 s, as IAM's). */
  tokenTtlSeconds?: number
  /** The instance GUID to serve (default: a random one). */
  instanceId?: string
}

const ERROR_TYPE = 'application/vnd.ibm.kms.error+json'
const KEY_TYPE = 'application/vnd.ibm.kms.key+json'
const MORE_INFO = 'https://cloud.ibm.com/apidocs/key-protect'
const B64 = /^[A-Za-z0-9+/]+={0,2}$/

class KpHttpError extends Error {
  constructor(
    readonly status: number,
    readonly errorMsg: string,
    readonly reason?: { code: string; message: string },
  ) {
    super(errorMsg)
  }
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url')

export class FakeKeyProtect {
  /** The Key Protect instance GUID this fake serves. */
  readonly instanceId: string
  readonly #apiKeys = new Map<string, Principal>()
  readonly #keys = new Map<string, RootKey>()
  readonly #signingKey = randomBytes(32)
  readonly #ttl: number
  #server: Server | undefined
  #url = ''
  /** Requests received per path kind, for tests. */
  readonly counts = { token: 0, action: 0 }

  constructor(options: FakeKeyProtectOptions = {}) {
    this.#ttl = options.tokenTtlSeconds ?? 3600
    this.instanceId = options.instanceId ?? randomUUID()
  }

  /** Base URL of both Key Protect (`/api/v2/...`) and IAM (`/identity/token`). */
  get url(): string {
    return this.#url
  }

  get iamUrl(): string {
    return `${this.#url}/identity/token`
  }

  /** Listens on `host:port` (default: a free loopback port); returns the base URL. */
  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, errorBody('Internal Server Error', undefined))
        else res.destroy(error as Error)
      })
    })
    this.#url = `http://127.0.0.1:${await listen(this.#server, port, host)}`
    return this.#url
  }

  stop(): Promise<void> {
    return shutdown(this.#server)
  }

  /** A new API key (as of a service ID) with `role` on every key of the instance, or on `keys` only. */
  createApiKey(role: KpRole, keys?: readonly string[]): string {
    const apiKey = randomBytes(30).toString('base64url')
    this.addApiKey(apiKey, role, keys)
    return apiKey
  }

  /** Registers `apiKey` as `createApiKey` would make it (a fake in a container gets its keys this way). */
  addApiKey(apiKey: string, role: KpRole, keys?: readonly string[]): void {
    this.#apiKeys.set(apiKey, { iamId: `iam-ServiceId-${randomUUID()}`, role, keys: keys ? new Set(keys) : undefined })
  }

  /** The version number a fake ciphertext names (1 = the key's first version), or undefined. */
  static versionOf(ciphertext: string): number | undefined {
    try {
      const sealed = JSON.parse(Buffer.from(ciphertext, 'base64').toString('utf8')) as { v?: unknown }
      return typeof sealed.v === 'number' ? sealed.v : undefined
    } catch {
      return undefined
    }
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake')
    const body = await readBody(req)
    if (req.method === 'POST' && url.pathname === '/identity/token') {
      this.counts.token++
      this.#token(body, res)
      return
    }
    try {
      const principal = this.#authenticate(req)
      const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent)
      if (parts[0] !== 'api' || parts[1] !== 'v2' || parts[2] !== 'keys') throw notFound('Not Found')
      if (req.method === 'POST' && parts.length === 3) return this.#createKey(principal, body, res)
      const key = parts[3] ? this.#find(parts[3]) : undefined
      if (!key) throw keyNotFound()
      if (req.method === 'DELETE' && parts.length === 4) return this.#deleteKey(principal, key, res)
      if (req.method === 'POST' && parts.length === 6 && parts[4] === 'actions') {
        this.counts.action++
        return this.#action(principal, key, parts[5] ?? '', body, res)
      }
      throw notFound('Not Found')
    } catch (error) {
      if (!(error instanceof KpHttpError)) throw error
      sendJson(res, error.status, errorBody(error.errorMsg, error.reason, error.status))
    }
  }

  #token(body: string, res: ServerResponse): void {
    const form = new URLSearchParams(body)
    if (form.get('grant_type') !== 'urn:ibm:params:oauth:grant-type:apikey') {
      sendJson(res, 400, iamErrorBody('BXNIM0109E', 'Property missing or empty.'))
      return
    }
    const principal = this.#apiKeys.get(form.get('apikey') ?? '')
    if (!principal) {
      sendJson(res, 400, iamErrorBody('BXNIM0415E', 'Provided API key could not be found.'))
      return
    }
    const now = Math.floor(Date.now() / 1000)
    const expiration = now + this.#ttl
    const header = b64url(JSON.stringify({ kid: 'fake', alg: 'HS256' }))
    const payload = b64url(
      JSON.stringify({ iam_id: principal.iamId, sub: principal.iamId, iat: now, exp: expiration, jti: randomUUID() }),
    )
    const signature = createHmac('sha256', this.#signingKey).update(`${header}.${payload}`).digest('base64url')
    sendJson(res, 200, {
      access_token: `${header}.${payload}.${signature}`,
      refresh_token: 'not_supported',
      token_type: 'Bearer',
      expires_in: this.#ttl,
      expiration,
      scope: 'ibm openid',
    })
  }

  /** The principal behind `authorization: Bearer <token>` for this instance, or an IBM-shaped error. */
  #authenticate(req: IncomingMessage): Principal {
    const authorization = req.headers.authorization
    if (!authorization) throw unauthorized()
    const match = /^Bearer\s+([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(authorization)
    if (!match) throw bearerInvalid()
    const [, header, payload, signature] = match as unknown as [string, string, string, string]
    const expected = createHmac('sha256', this.#signingKey).update(`${header}.${payload}`).digest('base64url')
    if (expected !== signature) throw unauthorized()
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iam_id: string; exp: number }
    if (claims.exp * 1000 <= Date.now()) throw unauthorized()
    const principal = [...this.#apiKeys.values()].find((p) => p.iamId === claims.iam_id)
    if (!principal) throw unauthorized()
    const instance = req.headers['bluemix-instance']
    if (!instance)
      throw new KpHttpError(400, 'Bad Request: The bluemix-instance header is missing', {
        code: 'INSTANCE_ID_HEADER_ERR',
        message: 'The bluemix-instance header must be the instance ID (GUID) of the Key Protect service instance',
      })
    if (instance !== this.instanceId) throw unauthorized()
    return principal
  }

  #find(idOrAlias: string): RootKey | undefined {
    const byId = this.#keys.get(idOrAlias)
    if (byId) return byId
    return [...this.#keys.values()].find((key) => key.aliases.includes(idOrAlias))
  }

  #allow(principal: Principal, key: RootKey | undefined, needed: KpRole): void {
    const rank: Record<KpRole, number> = { Reader: 1, Writer: 2, Manager: 3 }
    if (rank[principal.role] < rank[needed]) throw unauthorized()
    if (principal.keys && (!key || !principal.keys.has(key.id))) throw unauthorized()
  }

  #createKey(principal: Principal, body: string, res: ServerResponse): void {
    this.#allow(principal, undefined, 'Writer')
    const parsed = parseJson(body) as { resources?: { name?: unknown; aliases?: unknown; extractable?: unknown }[] }
    const resource = parsed?.resources?.[0]
    if (!resource || typeof resource.name !== 'string' || !resource.name)
      throw invalidField('name', 'a non-empty string')
    if (resource.extractable !== false)
      throw invalidField('extractable', 'false (only root keys are supported by this fake)')
    const now = new Date().toISOString()
    const key: RootKey = {
      id: randomUUID(),
      name: resource.name,
      aliases: Array.isArray(resource.aliases)
        ? resource.aliases.filter((a): a is string => typeof a === 'string')
        : [],
      versions: [{ id: randomUUID(), material: randomBytes(32), creationDate: now }],
      creationDate: now,
      deleted: false,
    }
    this.#keys.set(key.id, key)
    sendJson(res, 201, {
      metadata: { collectionType: KEY_TYPE, collectionTotal: 1 },
      resources: [keyResource(key, this.instanceId)],
    })
  }

  #deleteKey(principal: Principal, key: RootKey, res: ServerResponse): void {
    this.#allow(principal, key, 'Manager')
    key.deleted = true
    res.writeHead(204).end()
  }

  #action(principal: Principal, key: RootKey, action: string, body: string, res: ServerResponse): void {
    if (!['wrap', 'unwrap', 'rewrap', 'rotate'].includes(action)) throw notFound('Not Found')
    this.#allow(principal, key, action === 'rotate' ? 'Writer' : 'Reader')
    if (key.deleted)
      throw new KpHttpError(410, 'Gone: The key has been deleted and is no longer available', {
        code: 'KEY_DELETED_ERR',
        message: 'Key has already been deleted: Please delete references to this key',
      })
    const request = (body ? parseJson(body) : {}) as Record<string, unknown> | undefined
    if (!request) throw badBody()
    const newest = key.versions.at(-1) as KeyVersion
    if (action === 'rotate') {
      key.versions.push({ id: randomUUID(), material: randomBytes(32), creationDate: new Date().toISOString() })
      res.writeHead(204).end()
      return
    }
    if (action === 'wrap') {
      const plaintext = request.plaintext
      const bytes =
        plaintext === undefined ? randomBytes(32) : decodeField(plaintext, 'plaintext', 'a base64 encoded key material')
      const response: Record<string, unknown> = { ciphertext: seal(key, newest, bytes), keyVersion: versionOut(newest) }
      if (plaintext === undefined) response.plaintext = bytes.toString('base64')
      sendJson(res, 200, response)
      return
    }
    const ciphertext = request.ciphertext
    if (typeof ciphertext !== 'string' || !B64.test(ciphertext))
      throw invalidField('ciphertext', 'the original base64 encoded ciphertext from the wrap operation')
    const { plaintext, version } = open(key, ciphertext)
    if (action === 'unwrap') {
      const response: Record<string, unknown> = {
        plaintext: plaintext.toString('base64'),
        keyVersion: versionOut(version),
      }
      if (version !== newest) {
        response.ciphertext = seal(key, newest, plaintext)
        response.rewrappedKeyVersion = versionOut(newest)
      }
      sendJson(res, 200, response)
      return
    }
    sendJson(res, 200, {
      ciphertext: seal(key, newest, plaintext),
      keyVersion: versionOut(version),
      rewrappedKeyVersion: versionOut(newest),
    })
  }
}

function versionOut(version: KeyVersion): { id: string; creationDate: string } {
  return { id: version.id, creationDate: version.creationDate }
}

function seal(key: RootKey, version: KeyVersion, plaintext: Buffer): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', version.material, iv)
  cipher.setAAD(Buffer.from(`${key.id}|${version.id}`))
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()])
  const sealed = {
    v: key.versions.indexOf(version) + 1,
    kv: version.id,
    iv: iv.toString('base64'),
    ct: ct.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
  }
  return Buffer.from(JSON.stringify(sealed)).toString('base64')
}

function open(key: RootKey, ciphertext: string): { plaintext: Buffer; version: KeyVersion } {
  const unprocessable = () =>
    new KpHttpError(422, 'Unprocessable Entity: The provided ciphertext is invalid or corrupted', {
      code: 'UNPROCESSABLE_CIPHERTEXT_ERR',
      message: 'The provided ciphertext is invalid or corrupted',
    })
  let sealed: { kv?: unknown; iv?: unknown; ct?: unknown; tag?: unknown }
  try {
    sealed = JSON.parse(Buffer.from(ciphertext, 'base64').toString('utf8')) as typeof sealed
  } catch {
    throw unprocessable()
  }
  const version = key.versions.find((v) => v.id === sealed.kv)
  if (!version || typeof sealed.iv !== 'string' || typeof sealed.ct !== 'string' || typeof sealed.tag !== 'string')
    throw unprocessable()
  try {
    const decipher = createDecipheriv('aes-256-gcm', version.material, Buffer.from(sealed.iv, 'base64'))
    decipher.setAAD(Buffer.from(`${key.id}|${version.id}`))
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'))
    const plaintext = Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64')), decipher.final()])
    return { plaintext, version }
  } catch {
    throw unprocessable()
  }
}

function keyResource(key: RootKey, instanceId: string): Record<string, unknown> {
  const newest = key.versions.at(-1) as KeyVersion
  return {
    type: KEY_TYPE,
    id: key.id,
    name: key.name,
    aliases: key.aliases,
    state: 1,
    extractable: false,
    crn: `crn:v1:bluemix:public:kms:fake-region:a/fake:${instanceId}:key:${key.id}`,
    imported: false,
    creationDate: key.creationDate,
    keyVersion: versionOut(newest),
    deleted: key.deleted,
  }
}

function decodeField(value: unknown, field: string, must: string): Buffer {
  if (typeof value !== 'string' || !B64.test(value)) throw invalidField(field, must)
  const bytes = Buffer.from(value, 'base64')
  if (bytes.length === 0 || bytes.length > 7400) throw invalidField(field, must)
  return bytes
}

function errorBody(errorMsg: string, reason: { code: string; message: string } | undefined, status = 500) {
  return {
    metadata: { collectionType: ERROR_TYPE, collectionTotal: 1 },
    resources: [
      {
        errorMsg,
        ...(reason ? { reasons: [{ code: reason.code, message: reason.message, status, moreInfo: MORE_INFO }] } : {}),
      },
    ],
  }
}

function iamErrorBody(errorCode: string, errorMessage: string) {
  return {
    errorCode,
    errorMessage,
    context: { requestId: randomUUID(), requestType: 'incoming.Identity_Token', startTime: new Date().toUTCString() },
  }
}

const unauthorized = () => new KpHttpError(401, 'Unauthorized: The user does not have access to the specified resource')
const bearerInvalid = () =>
  new KpHttpError(400, 'Bad Request: Extracting the subject from the bearer token failed', {
    code: 'BEARER_SUB_EXTRACTION_ERR',
    message:
      'Extracting the subject from the bearer token failed: Make sure the bearer token passed is the correct one (and correct format) and is allowed to perform requested actions',
  })
const keyNotFound = () =>
  new KpHttpError(404, 'Not Found: Key could not be found. Please see `reasons` for more details.', {
    code: 'KEY_NOT_FOUND_ERR',
    message: 'Key does not exist',
  })
const notFound = (message: string) => new KpHttpError(404, message)
const badBody = () =>
  new KpHttpError(400, 'Bad Request: Invalid body data was passed', {
    code: 'BAD_BODY_ERR',
    message:
      'Invalid body data was passed: Please ensure the data passed had valid formatting with no invalid characters',
  })
const invalidField = (field: string, must: string) =>
  new KpHttpError(400, 'Bad Request: Action could not be performed on key. Please see `reasons` for more details.', {
    code: 'INVALID_FIELD_ERR',
    message: `The field '${field}' must be: ${must}`,
  })

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw badBody()
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

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}
