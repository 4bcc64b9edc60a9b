import { createHash } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { PmeError } from '@pme/core'
import { LocalKms, PRIVILEGE_LEVELS, type PrivilegeLevel, privilegeLevelAcl } from '@pme/kms-local'
import { createKmsServer, type KmsServerOptions } from '@pme/kms-server'
import { afterAll, beforeAll, expect } from 'vitest'

/** The seed demo's keys, one per level (ids = level names), each the SHA-256 of a phrase. */
export const MASTER_KEYS = Object.fromEntries(
  PRIVILEGE_LEVELS.map((level) => [level, new Uint8Array(createHash('sha256').update(`${level} master key`).digest())]),
) as Record<PrivilegeLevel, Uint8Array>
export const KEY_LIST = PRIVILEGE_LEVELS.map(
  (level) => `${level}: ${Buffer.from(MASTER_KEYS[level]).toString('base64')}`,
).join(', ')
export const TOKENS = {
  INTERNAL: 'tok-internal-9f2c41',
  CONFIDENTIAL: 'tok-confidential-51ab8e',
  RESTRICTED: 'tok-restricted-07de5c',
}
export const DEK = new Uint8Array(Buffer.from('data-key-16bytes'))
export const levelsAccess = () =>
  privilegeLevelAcl(Object.fromEntries(PRIVILEGE_LEVELS.map((level) => [level, [level]])), TOKENS)

/** Settings for tests: no waiting between retries. */
export const FAST = { retryBaseDelayMs: '0', retryMaxDelayMs: '0' }

/** A pme KMS server on an ephemeral port for one test file, with the level keys in a LocalKms by default. */
export function kmsServerForTests(options: Partial<KmsServerOptions> = {}) {
  const handle = { kms: new LocalKms(KEY_LIST), logs: [] as string[], url: '' }
  beforeAll(async () => {
    const log = (line: string) => handle.logs.push(line)
    const server = createKmsServer({ backend: handle.kms, access: levelsAccess(), log, ...options })
    handle.url = await server.listen(0)
    return () => server.close()
  })
  return handle
}

/** A plain HTTP server answering as `answer` says, to play a broken or slow KMS. */
export function rawServerForTests(answer: Parameters<typeof createServer>[1]) {
  const handle = { url: '', server: undefined as Server | undefined }
  beforeAll(async () => {
    const server = createServer(answer)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    handle.server = server
    handle.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    handle.server?.closeAllConnections()
    await new Promise((resolve) => handle.server?.close(resolve))
  })
  return handle
}

/** The error a call rejects with; fails the test when it resolves. */
export const failure = (promise: Promise<unknown>): Promise<PmeError> =>
  promise.then(
    () => {
      throw new Error('the call should have failed')
    },
    (error: PmeError) => error,
  )

/** Neither the message nor the location holds a key (hex or base64) or a token. */
export function expectNoSecrets(error: PmeError, keys: readonly Uint8Array[], tokens: readonly string[]): void {
  const text = `${error.message} ${String(error)} ${JSON.stringify(error.location)}`
  const secrets = [
    ...keys.flatMap((key) => [Buffer.from(key).toString('hex'), Buffer.from(key).toString('base64')]),
    ...tokens,
  ]
  expect(secrets.filter((secret) => text.includes(secret))).toEqual([])
}
