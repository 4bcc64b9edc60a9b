import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { CryptoFactory, readParquet, UsageError, writeParquet } from '@pme/core'
import { afterAll, describe, expect, it } from 'vitest'
import { crc32c } from '../src/crc32c.js'
import { GcpKmsClient, type KmsService } from '../src/index.js'

const KEY = 'projects/p/locations/global/keyRings/r/cryptoKeys/k'
const VERSION = `${KEY}/cryptoKeyVersions/1`
const ROWS = [{ id: 1, ssn: '123-45-6789' }]

/**
 * Cloud KMS as it treats names: Encrypt takes a CryptoKey or a CryptoKeyVersion name, Decrypt only a
 * CryptoKey name (INVALID_ARGUMENT otherwise). "Ciphertext" = version name || 0 || plaintext.
 */
function cloudKms() {
  const calls: string[] = []
  const invalid = (name: string) =>
    Object.assign(new Error(`3 INVALID_ARGUMENT: ${name} is not a CryptoKey`), { code: 3, details: 'invalid' })
  const service: KmsService = {
    async encrypt(request) {
      calls.push(`encrypt ${request.name}`)
      const version = request.name.includes('/cryptoKeyVersions/')
        ? request.name
        : `${request.name}/cryptoKeyVersions/1`
      const ciphertext = Buffer.concat([Buffer.from(version), Buffer.from([0]), request.plaintext])
      return [
        {
          name: version,
          ciphertext,
          ciphertextCrc32c: { value: String(crc32c(ciphertext)) },
          verifiedPlaintextCrc32c: true,
        },
      ]
    },
    async decrypt(request) {
      calls.push(`decrypt ${request.name}`)
      if (request.name.includes('/cryptoKeyVersions/')) throw invalid(request.name)
      const ciphertext = Buffer.from(request.ciphertext)
      const plaintext = ciphertext.subarray(ciphertext.indexOf(0) + 1)
      return [{ plaintext, plaintextCrc32c: { value: crc32c(plaintext) } }]
    },
  }
  return { service, calls }
}

describe('a CryptoKeyVersion name as master key id', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pme-gcp-version-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('is refused before any call, naming cryptoKeyVersions and the CryptoKey to use; no file is written', async () => {
    const { service, calls } = cloudKms()
    const factory = new CryptoFactory(() => new GcpKmsClient(service))
    const file = path.join(dir, 'version.parquet.encrypted')
    const error = await factory
      .fileEncryptionProperties({}, { footerKey: VERSION, columnKeys: { [VERSION]: ['ssn'] } }, file)
      .then(async (encryption) => writeParquet(file, { rows: ROWS }, { encryption }))
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UsageError)
    expect((error as Error).message).toContain('cryptoKeyVersions')
    expect((error as Error).message).toContain(`"${KEY}"`)
    expect(calls).toEqual([])
    expect(existsSync(file)).toBe(false)
    await expect(new GcpKmsClient(service).unwrapKey('AAAA', VERSION)).rejects.toBeInstanceOf(UsageError)
    expect(calls).toEqual([])
  })

  it('the CryptoKey name writes a file that reads back', async () => {
    const { service, calls } = cloudKms()
    const factory = new CryptoFactory(() => new GcpKmsClient(service))
    const file = path.join(dir, 'key.parquet.encrypted')
    const encryption = await factory.fileEncryptionProperties({}, { footerKey: KEY, columnKeys: { [KEY]: ['ssn'] } })
    await writeParquet(file, { rows: ROWS }, { encryption })
    const reader = new CryptoFactory(() => new GcpKmsClient(service))
    expect(await readParquet(file, reader.fileDecryptionProperties({}))).toEqual(ROWS)
    expect(calls).toContain(`decrypt ${KEY}`)
  })
})
