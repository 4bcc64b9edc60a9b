import {
  DependencyTimeoutException,
  DisabledException,
  IncorrectKeyException,
  InvalidCiphertextException,
  KeyUnavailableException,
  KMSInternalException,
  KMSInvalidStateException,
  NotFoundException,
} from '@aws-sdk/client-kms'
import {
  KmsAccessDeniedError,
  KmsError,
  KmsKeyDisabledError,
  KmsKeyNotFoundError,
  KmsUnavailableError,
} from '@pme/core'
import { describe, expect, it } from 'vitest'
import { AwsKmsClient, type KmsSender } from '../src/index.js'

const meta = (httpStatusCode: number, attempts = 1) => ({ $metadata: { httpStatusCode, attempts } })

function failing(error: unknown): AwsKmsClient {
  const sender: KmsSender = { send: () => Promise.reject(error) }
  return new AwsKmsClient(sender)
}

const KEY = new Uint8Array(16).fill(1)
const WRAPPED = Buffer.from('a ciphertext blob').toString('base64')

describe('AwsKmsClient error mapping', () => {
  it('NotFoundException -> KmsKeyNotFoundError', async () => {
    const error = new NotFoundException({ message: 'Alias alias/x is not found.', ...meta(400) })
    await expect(failing(error).wrapKey(KEY, 'alias/x')).rejects.toBeInstanceOf(KmsKeyNotFoundError)
  })

  it('AccessDeniedException, a 403 and "not authorized" -> KmsAccessDeniedError', async () => {
    const denied = Object.assign(new Error('no'), { name: 'AccessDeniedException', ...meta(400) })
    await expect(failing(denied).unwrapKey(WRAPPED, 'k')).rejects.toBeInstanceOf(KmsAccessDeniedError)
    const forbidden = Object.assign(new Error('<ErrorResponse>...'), { name: '403', ...meta(403) })
    await expect(failing(forbidden).wrapKey(KEY, 'k')).rejects.toBeInstanceOf(KmsAccessDeniedError)
    const iam = Object.assign(new Error('User: arn:aws:iam::1:user/u is not authorized to perform: kms:Encrypt'), {
      name: 'UnknownError',
      ...meta(400),
    })
    await expect(failing(iam).wrapKey(KEY, 'k')).rejects.toBeInstanceOf(KmsAccessDeniedError)
  })

  it('DisabledException and KMSInvalidStateException -> KmsKeyDisabledError, both ways', async () => {
    for (const error of [
      new DisabledException({ message: 'arn:aws:kms:us-east-1:1:key/k is disabled.', ...meta(400) }),
      new KMSInvalidStateException({ message: 'arn:aws:kms:us-east-1:1:key/k is pending deletion.', ...meta(400) }),
    ]) {
      await expect(failing(error).wrapKey(KEY, 'k')).rejects.toBeInstanceOf(KmsKeyDisabledError)
      const failure = await failing(error)
        .unwrapKey(WRAPPED, 'k')
        .catch((e: unknown) => e)
      expect(failure).toBeInstanceOf(KmsKeyDisabledError)
      expect((failure as Error).message).toContain(error.name)
    }
  })

  it("KeyUnavailableException -> KmsUnavailableError saying the key's material is unavailable", async () => {
    const error = new KeyUnavailableException({ message: 'key store disconnected', ...meta(500, 4) })
    const failure = (await failing(error)
      .wrapKey(KEY, 'k')
      .catch((e: unknown) => e)) as Error
    expect(failure).toBeInstanceOf(KmsUnavailableError)
    expect(failure.message).toMatch(/material is unavailable.*KeyUnavailableException/)
  })

  it('InvalidCiphertextException and IncorrectKeyException -> KmsError', async () => {
    for (const error of [
      new InvalidCiphertextException({ message: '', ...meta(400) }),
      new IncorrectKeyException({ message: 'wrong key', ...meta(400) }),
    ]) {
      const failure = await failing(error)
        .unwrapKey(WRAPPED, 'k')
        .catch((e: unknown) => e)
      expect(failure).toBeInstanceOf(KmsError)
    }
  })

  it('5xx, throttling, timeouts and refused connections (after the SDK retries) -> KmsUnavailableError', async () => {
    const errors = [
      new KMSInternalException({ message: 'boom', ...meta(500, 4) }),
      new DependencyTimeoutException({ message: 'slow', ...meta(503, 4) }),
      Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', ...meta(400, 4) }),
      Object.assign(new Error('too many'), { name: 'Unknown', ...meta(429, 4) }),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
        code: 'ECONNREFUSED',
        $metadata: { attempts: 4 },
      }),
      Object.assign(new Error('socket timed out'), { name: 'TimeoutError', $metadata: { attempts: 4 } }),
    ]
    for (const error of errors) {
      const failure = await failing(error)
        .wrapKey(KEY, 'k')
        .catch((e: unknown) => e)
      expect(failure).toBeInstanceOf(KmsUnavailableError)
      expect((failure as Error).message).toContain('after 4 attempts')
    }
  })

  it('missing credentials -> KmsError naming the ways to give them', async () => {
    const error = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    })
    await expect(failing(error).wrapKey(KEY, 'k')).rejects.toThrow(/AWS_PROFILE/)
  })

  it('never puts key bytes or an access key id in a message', async () => {
    const error = Object.assign(new Error('The security token AKIAABCDEFGHIJKLMNOP is invalid'), {
      name: 'UnrecognizedClientException',
      ...meta(400),
    })
    const failure = (await failing(error)
      .wrapKey(new Uint8Array(16).fill(0xab), 'k')
      .catch((e: unknown) => e)) as Error
    expect(failure).toBeInstanceOf(KmsAccessDeniedError)
    expect(failure.message).not.toContain('AKIAABCDEFGHIJKLMNOP')
    expect(failure.message).not.toMatch(/abab|q6ur/i)
  })

  it('rejects a wrapped key that is not base64 without calling AWS', async () => {
    let calls = 0
    const client = new AwsKmsClient({
      send: async () => {
        calls++
        return {}
      },
    })
    await expect(client.unwrapKey('not base64!', 'k')).rejects.toBeInstanceOf(KmsError)
    expect(calls).toBe(0)
  })
})
