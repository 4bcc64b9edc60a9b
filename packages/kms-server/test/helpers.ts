import { request as httpRequest } from 'node:http'
import { LocalKms, PRIVILEGE_LEVELS, type PrivilegeLevel, privilegeLevelAcl } from '@pme/kms-local'
import { afterAll, beforeAll, expect } from 'vitest'
import { createKmsServer, type KmsServer, type KmsServerOptions } from '../src/index.js'

export const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64')
const ascii = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'))

/** One master key per level, as the seed demo has them (ids = level names). */
export const MASTER_KEYS: Record<PrivilegeLevel, Uint8Array> = {
  PUBLIC: ascii('public-master-key-0123456789abcd'),
  INTERNAL: ascii('internal-master-key-0123456789ab'),
  CONFIDENTIAL: ascii('confidential-master-key-01234567'),
  RESTRICTED: ascii('restricted-master-key-0123456789'),
}
export const KEY_LIST = PRIVILEGE_LEVELS.map((level) => `${level}: ${b64(MASTER_KEYS[level])}`).join(', ')
export const KEYS_BY_LEVEL = Object.fromEntries(PRIVILEGE_LEVELS.map((level) => [level, [level]]))
/** A token for every level, PUBLIC included (a PUBLIC token reads what anonymous reads). */
export const TOKENS: Record<PrivilegeLevel, string> = {
  PUBLIC: 'tok-public-3b1d7e',
  INTERNAL: 'tok-internal-9f2c41',
  CONFIDENTIAL: 'tok-confidential-51ab8e',
  RESTRICTED: 'tok-restricted-07de5c',
}
/** The data key the tests wrap: distinct from every master key. */
export const DEK = ascii('data-key-of-32-bytes-0123456789!')

export const levelsAccess = (restrictWrap = false) => privilegeLevelAcl(KEYS_BY_LEVEL, TOKENS, { restrictWrap })

export interface Answer {
  status: number
  headers: Headers
  body: unknown
  text: string
}

export interface TestServer {
  url: string
  logs: string[]
  server: KmsServer
  kms: LocalKms
}

/**
 * A server on an ephemeral port for the tests of one file (started before them, closed after),
 * backed by a LocalKms with the level keys unless `options.backend` says otherwise.
 */
export function serveForTests(options: Partial<KmsServerOptions> = {}): TestServer {
  const handle = { logs: [] as string[], kms: new LocalKms(KEY_LIST) } as TestServer
  beforeAll(async () => {
    handle.server = createKmsServer({
      backend: handle.kms,
      access: levelsAccess(),
      log: (line) => handle.logs.push(line),
      ...options,
    })
    handle.url = await handle.server.listen(0)
  })
  afterAll(() => handle.server.close())
  return handle
}

export async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(url, init)
  const text = await response.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    body = undefined
  }
  return { status: response.status, headers: response.headers, body, text }
}

/** POST a JSON body (an object, or a string sent as is) with a token, or none. */
export function post(url: string, body: unknown, token?: string, headers: Record<string, string> = {}) {
  return call(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { 'x-api-key': token }), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

export const keyUrl = (base: string, id: string, operation: 'wrap' | 'unwrap') =>
  `${base}/v1/keys/${encodeURIComponent(id)}/${operation}`

export async function wrap(base: string, id: string, token?: string): Promise<string> {
  const answer = await post(keyUrl(base, id, 'wrap'), { key: b64(DEK) }, token)
  expect(answer.status, answer.text).toBe(200)
  return (answer.body as { wrappedKey: string }).wrappedKey
}

/** The error body of an answer, checked to be `{"error": {"code", "message"}}` and nothing else. */
export function errorOf(answer: Answer): { code: string; message: string } {
  expect(Object.keys(answer.body as object)).toEqual(['error'])
  const { error } = answer.body as { error: { code: string; message: string } }
  expect(Object.keys(error).sort()).toEqual(['code', 'message'])
  return error
}

/** Sends raw bytes over node:http (no fetch): chunked bodies, odd headers. */
export function rawRequest(
  url: string,
  options: { method: string; headers?: Record<string, string>; chunks?: Buffer[] },
): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: options.method, headers: options.headers }, (response) => {
      const parts: Buffer[] = []
      response.on('data', (part: Buffer) => parts.push(part))
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(parts).toString() }),
      )
    })
    request.on('error', reject)
    for (const chunk of options.chunks ?? []) request.write(chunk)
    request.end()
  })
}

/** Every form a secret could take in a text: key bytes as latin1, hex and base64, tokens as they are. */
export function secretForms(keys: readonly Uint8Array[], texts: readonly string[] = []): string[] {
  return [
    ...keys.flatMap((key) => [
      Buffer.from(key).toString('latin1'),
      Buffer.from(key).toString('hex'),
      Buffer.from(key).toString('base64'),
    ]),
    ...texts,
  ]
}

export function expectNoSecrets(texts: readonly string[], secrets: readonly string[]): void {
  expect(texts.length).toBeGreaterThan(0)
  for (const text of texts) for (const secret of secrets) expect(text).not.toContain(secret)
}
