import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { PmeError } from '@pme/core'
import { expect } from 'vitest'

export const ascii = (text: string): Uint8Array => new TextEncoder().encode(text)
export const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64')

/** parquet-testing's master keys, as parquet-java's and Arrow's tests define them. */
export const KF = ascii('0123456789012345')
export const KC1 = ascii('1234567890123450')
export const KC2 = ascii('1234567890123451')
export const KEY_LIST = `kf: ${b64(KF)}, kc1: ${b64(KC1)}, kc2: ${b64(KC2)}`

/** A data key to wrap, distinct from every master key. */
export const DEK = ascii('data-key-16bytes')

/**
 * An independent InMemoryKMS, written from its definition with node:crypto only (no @pme/core):
 * base64(nonce12 || AES-GCM(masterKey, key, AAD = UTF-8(masterKeyId)) || tag16).
 */
export function referenceWrap(key: Uint8Array, masterKey: Uint8Array, masterKeyId: string): string {
  const nonce = randomBytes(12)
  const cipher = createCipheriv(`aes-${masterKey.length * 8}-gcm` as 'aes-128-gcm', masterKey, nonce)
  cipher.setAAD(Buffer.from(masterKeyId, 'utf8'))
  const sealed = Buffer.concat([cipher.update(key), cipher.final()])
  return Buffer.concat([nonce, sealed, cipher.getAuthTag()]).toString('base64')
}

export function referenceUnwrap(wrapped: string, masterKey: Uint8Array, masterKeyId: string): Uint8Array {
  const bytes = Buffer.from(wrapped, 'base64')
  const decipher = createDecipheriv(
    `aes-${masterKey.length * 8}-gcm` as 'aes-128-gcm',
    masterKey,
    bytes.subarray(0, 12),
  )
  decipher.setAAD(Buffer.from(masterKeyId, 'utf8'))
  decipher.setAuthTag(bytes.subarray(bytes.length - 16))
  return new Uint8Array(Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]))
}

/** The error a call throws (sync or async); fails the test when it does not throw. */
export async function caught(call: () => unknown): Promise<PmeError> {
  try {
    await call()
  } catch (error) {
    return error as PmeError
  }
  throw new Error('the call should have failed')
}

/** Neither message nor location carries a secret: key bytes (ASCII, hex, base64) or a token. */
export function expectNoSecrets(error: Error, keys: readonly Uint8Array[], tokens: readonly string[] = []): void {
  const texts = [error.message, String(error), JSON.stringify((error as PmeError).location ?? {})]
  const forms = keys.flatMap((key) => [
    Buffer.from(key).toString('latin1'),
    Buffer.from(key).toString('hex'),
    Buffer.from(key).toString('base64'),
  ])
  for (const text of texts) {
    for (const secret of [...forms, ...tokens]) expect(text).not.toContain(secret)
  }
}

/*
 * Where the apache/parquet-testing `data/` folder is: $PARQUET_TEST_DATA, else
 * `<repo root>/../shared/parquet-testing/data`.
 */
export const TEST_DATA_DIR: string =
  process.env.PARQUET_TEST_DATA || fileURLToPath(new URL('../../../../shared/parquet-testing/data', import.meta.url))

export function dataPath(name: string): string {
  return join(TEST_DATA_DIR, name)
}

/** For `describe.skipIf(...)`: true, and says so, when a data file is absent. */
export function skipWithout(name: string, suite: string): boolean {
  if (existsSync(dataPath(name))) return false
  console.warn(`[skip] ${suite}: ${name} not found in ${TEST_DATA_DIR} (set PARQUET_TEST_DATA)`)
  return true
}
