import {
  KmsAccessDeniedError,
  KmsError,
  KmsKeyNotFoundError,
  KmsUnavailableError,
  kmsConnectionConfig,
  UsageError,
} from '@pme/core'
import { describe, expect, it } from 'vitest'
import { crc32c, createKmsClientFactory, GcpKmsClient, type KmsService } from '../src/index.js'

const KEY = 'projects/p/locations/global/keyRings/r/cryptoKeys/k'
const grpcError = (code: number, details: string) =>
  Object.assign(new Error(`${code} X: ${details}`), { code, details })

/** An in-memory stand-in for Cloud KMS: "ciphertext" = 0xEE || aad length || aad || plaintext (reversed). */
function stubKms(overrides: Partial<KmsService> = {}) {
  const calls: { method: string; request: Record<string, unknown>; options: Record<string, unknown> }[] = []
  const service: KmsService = {
    async encrypt(request, options) {
      calls.push({ method: 'encrypt', request: { ...request }, options: { ...options } })
      const aad = request.additionalAuthenticatedData ?? new Uint8Array(0)
      const ciphertext = Buffer.concat([Buffer.from([0xee, aad.length]), aad, Buffer.from(request.plaintext).reverse()])
      return [
        {
          name: `${request.name}/cryptoKeyVersions/1`,
          ciphertext,
          ciphertextCrc32c: { value: String(crc32c(ciphertext)) },
          verifiedPlaintextCrc32c: request.plaintextCrc32c.value === crc32c(request.plaintext),
          verifiedAdditionalAuthenticatedDataCrc32c: request.additionalAuthenticatedDataCrc32c !== undefined,
        },
      ]
    },
    async decrypt(request, options) {
      calls.push({ method: 'decrypt', request: { ...request }, options: { ...options } })
      const c = Buffer.from(request.ciphertext)
      const aadLength = c[1] as number
      const plaintext = Buffer.from(c.subarray(2 + aadLength)).reverse()
      return [{ plaintext, plaintextCrc32c: { value: crc32c(plaintext) } }]
    },
    ...overrides,
  }
  return { service, calls }
}

const fast = { retryBaseDelayMs: 1, retryMaxDelayMs: 2 }

describe('GcpKmsClient', () => {
  it('wraps to base64 ciphertext and unwraps, with CRC32C on every request', async () => {
    const { service, calls } = stubKms()
    const client = new GcpKmsClient(service, fast)
    const key = new Uint8Array(16).fill(7)
    const wrapped = await client.wrapKey(key, KEY)
    expect(Buffer.from(wrapped, 'base64')[0]).toBe(0xee)
    expect(await client.unwrapKey(wrapped, KEY)).toEqual(key)
    expect(calls[0]?.request.plaintextCrc32c).toEqual({ value: crc32c(key) })
    expect(calls[1]?.request.ciphertextCrc32c).toEqual({ value: crc32c(Buffer.from(wrapped, 'base64')) })
    expect(calls[0]?.options).toMatchObject({ retry: null, timeout: 10_000 })
    expect(calls[0]?.options.otherArgs).toBeUndefined()
  })

  it('sends additional authenticated data with its CRC32C both ways', async () => {
    const { service, calls } = stubKms()
    const aad = new Uint8Array(Buffer.from('tenant=a'))
    const client = new GcpKmsClient(service, { ...fast, additionalAuthenticatedData: aad })
    const wrapped = await client.wrapKey(new Uint8Array(16), KEY)
    await client.unwrapKey(wrapped, KEY)
    for (const call of calls) {
      expect(call.request.additionalAuthenticatedData).toEqual(aad)
      expect(call.request.additionalAuthenticatedDataCrc32c).toEqual({ value: crc32c(aad) })
    }
  })

  it('sends an access token as a bearer header', async () => {
    const { service, calls } = stubKms()
    await new GcpKmsClient(service, { accessToken: 'tok' }).wrapKey(new Uint8Array(16), KEY)
    expect(calls[0]?.options.otherArgs).toEqual({ headers: { authorization: 'Bearer tok' } })
  })

  it('retries a response whose checksums do not verify, then fails KmsUnavailable', async () => {
    let n = 0
    const { service } = stubKms({
      async encrypt() {
        n++
        return [
          {
            name: `${KEY}/cryptoKeyVersions/1`,
            ciphertext: Buffer.from('x'),
            ciphertextCrc32c: { value: 1 },
            verifiedPlaintextCrc32c: true,
          },
        ]
      },
    })
    const error = await new GcpKmsClient(service, { ...fast, retryAttempts: 3 })
      .wrapKey(new Uint8Array(16), KEY)
      .catch((e) => e)
    expect(error).toBeInstanceOf(KmsUnavailableError)
    expect(String(error)).toMatch(/CRC32C/)
    expect(n).toBe(3)
  })

  it('rejects an answer whose plaintext was not verified by the KMS, or whose plaintext CRC is wrong', async () => {
    const unverified = stubKms({
      async encrypt() {
        const ciphertext = Buffer.from('x')
        return [{ ciphertext, ciphertextCrc32c: { value: crc32c(ciphertext) }, verifiedPlaintextCrc32c: false }]
      },
      async decrypt() {
        return [{ plaintext: Buffer.from('abc'), plaintextCrc32c: { value: '12' } }]
      },
    })
    const client = new GcpKmsClient(unverified.service, { ...fast, retryAttempts: 2 })
    expect(await client.wrapKey(new Uint8Array(16), KEY).catch((e) => e)).toBeInstanceOf(KmsUnavailableError)
    expect(await client.unwrapKey('AAAA', KEY).catch((e) => e)).toBeInstanceOf(KmsUnavailableError)
  })

  it('recovers when a transient failure goes away', async () => {
    let n = 0
    const ok = stubKms()
    const { service } = stubKms({
      encrypt: (request, options) =>
        ++n < 3 ? Promise.reject(grpcError(14, 'unavailable')) : ok.service.encrypt(request, options),
    })
    expect(typeof (await new GcpKmsClient(service, fast).wrapKey(new Uint8Array(16), KEY))).toBe('string')
    expect(n).toBe(3)
  })

  it.each([
    [5, 'NOT_FOUND', KmsKeyNotFoundError],
    [7, "Permission 'cloudkms.cryptoKeyVersions.useToEncrypt' denied", KmsAccessDeniedError],
    [16, 'Request had invalid authentication credentials.', KmsAccessDeniedError],
    [3, 'Decryption failed: the ciphertext is invalid.', KmsError],
  ])('maps gRPC status %i to a typed error at once', async (code, details, type) => {
    let n = 0
    const { service } = stubKms({
      encrypt: () => {
        n++
        return Promise.reject(grpcError(code, `${details} Bearer secret-token`))
      },
    })
    const error = await new GcpKmsClient(service, fast).wrapKey(new Uint8Array(16), KEY).catch((e) => e)
    expect(error).toBeInstanceOf(type)
    expect(n).toBe(1)
    expect(String(error)).not.toContain('secret-token')
  })

  it.each([4, 8, 13, 14])('retries gRPC status %i up to the limit, then KmsUnavailable', async (code) => {
    let n = 0
    const { service } = stubKms({
      decrypt: () => {
        n++
        return Promise.reject(grpcError(code, 'try again'))
      },
    })
    const error = await new GcpKmsClient(service, { ...fast, retryAttempts: 3 }).unwrapKey('AAAA', KEY).catch((e) => e)
    expect(error).toBeInstanceOf(KmsUnavailableError)
    expect(n).toBe(3)
  })

  it('checks master key ids and wrapped keys before calling', async () => {
    const { service, calls } = stubKms()
    const client = new GcpKmsClient(service)
    expect(await client.wrapKey(new Uint8Array(16), 'DEFAULT').catch((e) => e)).toBeInstanceOf(UsageError)
    expect(await client.wrapKey(new Uint8Array(16), 'projects/p/keyRings/r').catch((e) => e)).toBeInstanceOf(UsageError)
    expect(await client.unwrapKey('not base64!', KEY).catch((e) => e)).toBeInstanceOf(KmsError)
    expect(calls).toHaveLength(0)
  })

  it('through the factory, an emulator endpoint nobody listens on fails KmsUnavailable', async () => {
    const factory = createKmsClientFactory({
      endpoint: 'http://127.0.0.1:1',
      retryAttempts: '2',
      retryBaseDelayMs: '1',
    })
    const client = await factory(kmsConnectionConfig())
    expect(await client.wrapKey(new Uint8Array(16), KEY).catch((e) => e)).toBeInstanceOf(KmsUnavailableError)
  })
})

describe('GcpKmsClient.close', () => {
  it("closes the SDK client's channel", async () => {
    let closed = 0
    const { service } = stubKms({
      close: async () => {
        closed++
      },
    })
    await new GcpKmsClient(service).close()
    expect(closed).toBe(1)
  })
})
