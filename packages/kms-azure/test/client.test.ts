import {
  constants,
  generateKeyPairSync,
  type KeyObject,
  type KeyPairKeyObjectResult,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
} from 'node:crypto'
import { KmsAccessDeniedError, KmsError, KmsKeyNotFoundError, KmsUnavailableError, UsageError } from '@pme/core'
import { describe, expect, it } from 'vitest'
import { AzureKeyVaultKmsClient, type KeyVaultOperations } from '../src/azure-kms-client.js'
import { parseSettings } from '../src/settings.js'
import { parseWrappedKey } from '../src/wrapped-key.js'

const VAULT = 'https://v.vault.azure.net'

function restError(statusCode: number, code: string, message = 'service says no') {
  return Object.assign(new Error(message), { name: 'RestError', statusCode, code })
}

/** An in-memory Key Vault: RSA keys with versions; wrap and unwrap with RSA-OAEP(-256) as Key Vault does. */
class FakeVault implements KeyVaultOperations {
  readonly keys = new Map<string, string[]>()
  readonly #pairs = new Map<string, KeyPairKeyObjectResult>()
  /** Every call, as "<operation> <name>/<version or current>". */
  readonly log: string[] = []
  calls = 0
  failures: unknown[] = []
  rotate(name: string): void {
    const versions = this.keys.get(name) ?? []
    const version = randomBytes(16).toString('hex')
    versions.push(version)
    this.keys.set(name, versions)
    this.#pairs.set(version, generateKeyPairSync('rsa', { modulusLength: 2048 }))
  }
  #begin(operation: string, name: string, version: string | undefined) {
    this.calls++
    this.log.push(`${operation} ${name}/${version ?? 'current'}`)
    const failure = this.failures.shift()
    if (failure) throw failure
    const versions = this.keys.get(name)
    const found = version ? versions?.find((v) => v === version) : versions?.at(-1)
    if (!found) throw restError(404, 'KeyNotFound', `A key with (name/id) ${name} was not found in this key vault.`)
    return { kid: `${VAULT}/keys/${name}/${found}`, pair: this.#pairs.get(found) as KeyPairKeyObjectResult }
  }
  async wrapKey(name: string, version: string | undefined, alg: string, key: Uint8Array) {
    const { kid, pair } = this.#begin('wrapKey', name, version)
    return { kid, value: new Uint8Array(publicEncrypt(oaep(pair.publicKey, alg), key)) }
  }
  async unwrapKey(name: string, version: string | undefined, alg: string, wrapped: Uint8Array) {
    const { pair } = this.#begin('unwrapKey', name, version)
    try {
      return new Uint8Array(privateDecrypt(oaep(pair.privateKey, alg), wrapped))
    } catch {
      throw restError(400, 'BadParameter', 'Decryption failed')
    }
  }
  async publicKey(name: string, version: string | undefined) {
    const { kid, pair } = this.#begin('getKey', name, version)
    const jwk = pair.publicKey.export({ format: 'jwk' })
    return { kid, kty: 'RSA', n: jwk.n as string, e: jwk.e as string }
  }
}
const oaep = (key: KeyObject, alg: string) => ({
  key,
  padding: constants.RSA_PKCS1_OAEP_PADDING,
  oaepHash: alg === 'RSA-OAEP-256' ? 'sha256' : 'sha1',
})

function client(vault: FakeVault, settings: Record<string, string> = {}) {
  return new AzureKeyVaultKmsClient(vault, VAULT, parseSettings({ retryBaseDelayMs: '0', ...settings }))
}

describe('AzureKeyVaultKmsClient', () => {
  it('wraps into the documented JSON with the versioned kid, and unwraps after rotation', async () => {
    const vault = new FakeVault()
    vault.rotate('kf')
    const kms = client(vault)
    const key = randomBytes(16)
    const before = await kms.wrapKey(key, 'kf')
    const parsed = JSON.parse(before)
    expect(Object.keys(parsed)).toEqual(['kid', 'alg', 'value'])
    expect(parsed.alg).toBe('RSA-OAEP-256')
    expect(parsed.kid).toBe(`${VAULT}/keys/kf/${vault.keys.get('kf')?.[0]}`)
    expect(parsed.value).toMatch(/^[A-Za-z0-9_-]+$/)
    vault.rotate('kf')
    const after = await kms.wrapKey(key, 'kf')
    expect(parseWrappedKey(after, 'kf').version).toBe(vault.keys.get('kf')?.[1])
    expect(Buffer.from(await kms.unwrapKey(before, 'kf'))).toEqual(key)
    expect(Buffer.from(await kms.unwrapKey(after, 'kf'))).toEqual(key)
  })

  it('honours name/version master key ids and the algorithm setting', async () => {
    const vault = new FakeVault()
    vault.rotate('kf')
    const first = vault.keys.get('kf')?.[0]
    vault.rotate('kf')
    const wrapped = await client(vault, { algorithm: 'RSA-OAEP' }).wrapKey(randomBytes(16), `kf/${first}`)
    expect(JSON.parse(wrapped)).toMatchObject({ kid: `${VAULT}/keys/kf/${first}`, alg: 'RSA-OAEP' })
  })

  it('maps errors: wrong key → KmsError, missing → KmsKeyNotFoundError, 403 → KmsAccessDeniedError', async () => {
    const vault = new FakeVault()
    vault.rotate('a')
    vault.rotate('b')
    const kms = client(vault)
    const wrapped = await kms.wrapKey(randomBytes(16), 'a')
    const wrong = await kms.unwrapKey(wrapped, 'b').catch((e) => e)
    expect(wrong).toBeInstanceOf(KmsError)
    await expect(kms.unwrapKey(wrapped, 'missing')).rejects.toBeInstanceOf(KmsKeyNotFoundError)
    await expect(kms.wrapKey(randomBytes(16), 'missing')).rejects.toBeInstanceOf(KmsKeyNotFoundError)
    vault.failures.push(restError(403, 'Forbidden', 'Caller is not authorized'))
    await expect(kms.wrapKey(randomBytes(16), 'a')).rejects.toBeInstanceOf(KmsAccessDeniedError)
    await expect(kms.unwrapKey('not a wrapped key', 'a')).rejects.toBeInstanceOf(KmsError)
    await expect(kms.wrapKey(randomBytes(16), 'bad/na/me')).rejects.toBeInstanceOf(UsageError)
  })

  it('retries 429/5xx/network errors up to retryAttempts, then KmsUnavailableError', async () => {
    const vault = new FakeVault()
    vault.rotate('a')
    const kms = client(vault, { retryAttempts: '3' })
    vault.failures.push(restError(503, 'ServiceUnavailable'), Object.assign(new Error('x'), { code: 'ECONNRESET' }))
    await kms.wrapKey(randomBytes(16), 'a')
    expect(vault.calls).toBe(3) // two failed wrapKey calls, then the one that answers
    vault.calls = 0
    vault.failures.push(restError(429, 'Throttled'), restError(500, 'x'), restError(502, 'x'))
    const error = await kms.wrapKey(randomBytes(16), 'a').catch((e) => e)
    expect(error).toBeInstanceOf(KmsUnavailableError)
    expect(vault.calls).toBe(3)
  })

  it('keeps tokens out of messages', async () => {
    const vault = new FakeVault()
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl'
    vault.failures.push(restError(401, 'Unauthorized', `bad token ${jwt}`))
    const error = await client(vault)
      .wrapKey(randomBytes(16), 'a')
      .catch((e) => e)
    expect(error).toBeInstanceOf(KmsAccessDeniedError)
    expect(String(error)).not.toContain(jwt)
  })
})

describe('calls to Key Vault', () => {
  it('wraps in Key Vault (one wrapKey call, audited) and unwraps without reading the key', async () => {
    const vault = new FakeVault()
    vault.rotate('kf')
    const [v1] = vault.keys.get('kf') ?? []
    const kms = client(vault)
    const key = randomBytes(16)
    const wrapped = await kms.wrapKey(key, 'kf')
    vault.rotate('kf')
    expect(Buffer.from(await kms.unwrapKey(wrapped, 'kf'))).toEqual(key)
    expect(vault.log).toEqual(['wrapKey kf/current', `unwrapKey kf/${v1}`])
  })

  it('with localWrap, wraps with the public key (keys/get only), and Key Vault unwraps it', async () => {
    for (const algorithm of ['RSA-OAEP-256', 'RSA-OAEP']) {
      const vault = new FakeVault()
      vault.rotate('kf')
      const [v1] = vault.keys.get('kf') ?? []
      const kms = client(vault, { localWrap: 'true', algorithm })
      const key = randomBytes(32)
      const wrapped = await kms.wrapKey(key, 'kf')
      expect(JSON.parse(wrapped)).toMatchObject({ kid: `${VAULT}/keys/kf/${v1}`, alg: algorithm })
      expect(Buffer.from(await kms.unwrapKey(wrapped, 'kf'))).toEqual(key)
      expect(vault.log).toEqual(['getKey kf/current', `unwrapKey kf/${v1}`])
    }
    expect(() => parseSettings({ localWrap: 'true', algorithm: 'A256KW' })).toThrow(UsageError)
    expect(parseSettings({}).localWrap).toBe(false)
  })
})

describe('settings', () => {
  it('rejects unknown algorithms and credentials', () => {
    expect(() => parseSettings({ algorithm: 'RSA1_5' })).toThrow(UsageError)
    expect(() => parseSettings({ credential: 'secret' })).toThrow(UsageError)
    expect(parseSettings({}).algorithm).toBe('RSA-OAEP-256')
  })
})
