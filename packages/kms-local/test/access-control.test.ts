import { KmsAccessDeniedError, KmsError, UsageError } from '@pme/core'
import { describe, expect, it } from 'vitest'
import { type Acl, LocalKms, localKmsClientFactory } from '../src/index.js'
import { caught, DEK, expectNoSecrets, KC1, KC2, KEY_LIST, KF } from './helpers.js'

/* Access tokens and the master keys they may use. Tokens are secrets: no message may contain one. */

const TOKEN_A = 'token-A-s3cr3t-value'
const TOKEN_ALL = 'token-ALL-s3cr3t-value'
const TOKENS = [TOKEN_A, TOKEN_ALL]
const KEYS = [KF, KC1, KC2, DEK]

describe('without an acl', () => {
  it('lets every token use every key', () => {
    const kms = new LocalKms(KEY_LIST)
    for (const token of [TOKEN_A, 'anything', 'DEFAULT', '']) {
      for (const id of ['kf', 'kc1', 'kc2']) expect(kms.unwrap(kms.wrap(DEK, id, token), id, token)).toEqual(DEK)
    }
  })
})

describe('with an acl', () => {
  const acl: Acl = { [TOKEN_A]: ['kc1'], [TOKEN_ALL]: '*' }
  const kms = new LocalKms(KEY_LIST, { acl })
  const wrappedKf = kms.wrap(DEK, 'kf', TOKEN_ALL)

  it('lets a token use the keys it lists', () => {
    expect(kms.unwrap(kms.wrap(DEK, 'kc1', TOKEN_A), 'kc1', TOKEN_A)).toEqual(DEK)
  })

  it("lets a '*' token use every key", () => {
    for (const id of ['kf', 'kc1', 'kc2']) expect(kms.unwrap(kms.wrap(DEK, id, TOKEN_ALL), id, TOKEN_ALL)).toEqual(DEK)
  })

  it('denies wrap and unwrap with other keys, naming key and operation but not the token', async () => {
    const wrapError = await caught(() => kms.wrap(DEK, 'kf', TOKEN_A))
    expect(wrapError).toBeInstanceOf(KmsAccessDeniedError)
    expect(wrapError.code).toBe('PME_KMS_ACCESS_DENIED')
    expect(wrapError.message).toBe('the access token may not wrap with master key "kf"')
    expectNoSecrets(wrapError, KEYS, TOKENS)

    const unwrapError = await caught(() => kms.unwrap(wrappedKf, 'kf', TOKEN_A))
    expect(unwrapError).toBeInstanceOf(KmsAccessDeniedError)
    expect(unwrapError.message).toBe('the access token may not unwrap with master key "kf"')
    expectNoSecrets(unwrapError, KEYS, TOKENS)
  })

  it.each([
    ['an unknown token', 'not-in-the-acl'],
    ['the default token', 'DEFAULT'],
    ['an empty token', ''],
    ['a token named after an Object.prototype member', 'constructor'],
    ['a token named __proto__', '__proto__'],
  ])('denies %s', async (_what, token) => {
    expect(await caught(() => kms.unwrap(wrappedKf, 'kf', token))).toBeInstanceOf(KmsAccessDeniedError)
    expect(await caught(() => kms.wrap(DEK, 'kc1', token))).toBeInstanceOf(KmsAccessDeniedError)
  })

  it('denies before looking the key up, so a denied caller cannot probe which ids exist', async () => {
    expect(await caught(() => kms.wrap(DEK, 'no-such-key', TOKEN_A))).toBeInstanceOf(KmsAccessDeniedError)
    // A caller with access learns that the id is unknown.
    const error = await caught(() => kms.wrap(DEK, 'no-such-key', TOKEN_ALL))
    expect(error).toBeInstanceOf(KmsError)
    expect(error.message).toContain('"no-such-key"')
  })

  it('applies to the client of each connection, by its keyAccessToken', async () => {
    const factory = localKmsClientFactory(kms)
    const clientA = await factory({
      kmsInstanceId: 'DEFAULT',
      kmsInstanceUrl: 'DEFAULT',
      keyAccessToken: TOKEN_A,
      custom: {},
    })
    expect(await clientA.unwrapKey(await clientA.wrapKey(DEK, 'kc1'), 'kc1')).toEqual(DEK)
    const error = await caught(() => clientA.unwrapKey(wrappedKf, 'kf'))
    expect(error).toBeInstanceOf(KmsAccessDeniedError)
    expectNoSecrets(error, KEYS, TOKENS)
  })
})

describe('access policy options', () => {
  it('publicKeys are open to every token, listed or not', () => {
    const kms = new LocalKms(KEY_LIST, { acl: { [TOKEN_A]: ['kc1'] }, publicKeys: ['kf'] })
    for (const token of [TOKEN_A, 'stranger', 'DEFAULT']) {
      expect(kms.unwrap(kms.wrap(DEK, 'kf', token), 'kf', token)).toEqual(DEK)
    }
    expect(() => kms.wrap(DEK, 'kc2', TOKEN_A)).toThrow(KmsAccessDeniedError)
  })

  it("enforceOn: ['unwrap'] leaves wrapping open", async () => {
    const kms = new LocalKms(KEY_LIST, { acl: { [TOKEN_A]: ['kc1'], [TOKEN_ALL]: '*' }, enforceOn: ['unwrap'] })
    const wrapped = kms.wrap(DEK, 'kf', 'stranger')
    expect(kms.unwrap(wrapped, 'kf', TOKEN_ALL)).toEqual(DEK)
    expect(await caught(() => kms.unwrap(wrapped, 'kf', TOKEN_A))).toBeInstanceOf(KmsAccessDeniedError)
    expect(await caught(() => kms.unwrap(wrapped, 'kf', 'stranger'))).toBeInstanceOf(KmsAccessDeniedError)
    expect(kms.unwrap(kms.wrap(DEK, 'kc1'), 'kc1', TOKEN_A)).toEqual(DEK)
  })

  it.each([
    ['an acl entry that is not a list', { acl: { [TOKEN_A]: 'kc1' } }, 'acl entry #1'],
    ['an acl entry with a non-string id', { acl: { x: ['kf'], [TOKEN_A]: [1] } }, 'acl entry #2'],
    ['an acl that is an array', { acl: [] }, 'acl must be an object'],
    ['publicKeys that are not a list', { publicKeys: 'kf' }, 'publicKeys'],
    ['an unknown operation', { enforceOn: ['delete'] }, 'unknown KMS operation "delete"'],
  ])('rejects %s without echoing the token', async (_what, options, text) => {
    const error = await caught(() => new LocalKms(KEY_LIST, options as never))
    expect(error).toBeInstanceOf(UsageError)
    expect(error.message).toContain(text)
    expectNoSecrets(error, KEYS, TOKENS)
  })
})
