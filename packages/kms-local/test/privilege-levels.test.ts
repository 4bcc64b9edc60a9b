import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CryptoFactory, KmsAccessDeniedError, readParquet, UsageError, writeParquet } from '@pme/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  LocalKms,
  localKmsClientFactory,
  PRIVILEGE_LEVELS,
  type PrivilegeLevel,
  privilegeLevelAcl,
} from '../src/index.js'
import { ascii, b64, caught, DEK, expectNoSecrets } from './helpers.js'

/*
 * The seed demo's KMS: PUBLIC < INTERNAL < CONFIDENTIAL < RESTRICTED. A level's token unwraps with its
 * own and all lower levels' keys; PUBLIC keys need no token; wrapping is open (the seed's writer sends
 * no token). In the seed, key ids and tokens are the level names; here the tokens are distinct secrets.
 */

const MASTER: Record<PrivilegeLevel, Uint8Array> = {
  PUBLIC: ascii('public-key-0123456789abcdef01234'),
  INTERNAL: ascii('internal-key-0123456789abcdef012'),
  CONFIDENTIAL: ascii('confidential-key-0123456789abcde'),
  RESTRICTED: ascii('restricted-key-0123456789abcdef0'),
}
const KEY_LIST = PRIVILEGE_LEVELS.map((level) => `${level}: ${b64(MASTER[level])}`).join(', ')
const KEYS_BY_LEVEL = {
  PUBLIC: ['PUBLIC'],
  INTERNAL: ['INTERNAL'],
  CONFIDENTIAL: ['CONFIDENTIAL'],
  RESTRICTED: ['RESTRICTED'],
}
const TOKENS = {
  INTERNAL: 'tok-internal-9f2c',
  CONFIDENTIAL: 'tok-confidential-51ab',
  RESTRICTED: 'tok-restricted-07de',
}
const SECRETS = [...Object.values(MASTER), DEK]

/** Callers: no token (pyarrow's and this library's default), a stranger, and each level's token. */
const CALLERS: [string, string, number][] = [
  ['no token', 'DEFAULT', 0],
  ['an unknown token', 'tok-unknown', 0],
  ['INTERNAL', TOKENS.INTERNAL, 1],
  ['CONFIDENTIAL', TOKENS.CONFIDENTIAL, 2],
  ['RESTRICTED', TOKENS.RESTRICTED, 3],
]

describe('privilegeLevelAcl', () => {
  const kms = new LocalKms(KEY_LIST, privilegeLevelAcl(KEYS_BY_LEVEL, TOKENS))

  for (const [caller, token, rank] of CALLERS) {
    it(`lets ${caller} unwrap the keys of its level and below, and only those`, async () => {
      for (const [keyRank, level] of PRIVILEGE_LEVELS.entries()) {
        const wrapped = kms.wrap(DEK, level, token) // wrapping is open to everyone, as in the seed
        if (keyRank <= rank || level === 'PUBLIC') {
          expect(kms.unwrap(wrapped, level, token)).toEqual(DEK)
        } else {
          const error = await caught(() => kms.unwrap(wrapped, level, token))
          expect(error).toBeInstanceOf(KmsAccessDeniedError)
          expect(error.message).toBe(`the access token may not unwrap with master key "${level}"`)
          expectNoSecrets(error, SECRETS, Object.values(TOKENS))
        }
      }
    })
  }

  it('with restrictWrap, checks wrapping by the same rule', async () => {
    const strict = new LocalKms(KEY_LIST, privilegeLevelAcl(KEYS_BY_LEVEL, TOKENS, { restrictWrap: true }))
    expect(strict.unwrap(strict.wrap(DEK, 'PUBLIC'), 'PUBLIC')).toEqual(DEK)
    expect(await caught(() => strict.wrap(DEK, 'INTERNAL'))).toBeInstanceOf(KmsAccessDeniedError)
    expect(await caught(() => strict.wrap(DEK, 'RESTRICTED', TOKENS.CONFIDENTIAL))).toBeInstanceOf(KmsAccessDeniedError)
    expect(strict.wrap(DEK, 'CONFIDENTIAL', TOKENS.RESTRICTED)).toMatch(/^[A-Za-z0-9+/]+=*$/)
  })

  it('supports several keys per level and levels without a token', () => {
    const policy = privilegeLevelAcl(
      { PUBLIC: ['p1', 'p2'], INTERNAL: ['i1'], CONFIDENTIAL: ['c1', 'c2'], RESTRICTED: ['r1'] },
      { CONFIDENTIAL: 'tok-c' },
    )
    expect(policy).toEqual({
      acl: { 'tok-c': ['p1', 'p2', 'i1', 'c1', 'c2'] },
      publicKeys: ['p1', 'p2'],
      enforceOn: ['unwrap'],
    })
  })

  it.each([
    [
      'two levels with one token',
      KEYS_BY_LEVEL,
      { INTERNAL: 'same-tok', RESTRICTED: 'same-tok' },
      'INTERNAL and RESTRICTED have the same access token',
    ],
    [
      'a key in two levels',
      { INTERNAL: ['k'], RESTRICTED: ['k'] },
      {},
      'master key "k" is given for both INTERNAL and RESTRICTED',
    ],
    ['an unknown level in the keys', { SECRET: ['k'] }, {}, 'unknown privilege level "SECRET" in keysByLevel'],
    [
      'an unknown level in the tokens',
      KEYS_BY_LEVEL,
      { internal: 'x' },
      'unknown privilege level "internal" in tokens',
    ],
    ['keys that are not a list', { INTERNAL: 'k' }, {}, 'the INTERNAL keys must be a list'],
  ])('rejects %s', async (_what, keys, tokens, text) => {
    const error = await caught(() => privilegeLevelAcl(keys as never, tokens as never))
    expect(error).toBeInstanceOf(UsageError)
    expect(error.message).toContain(text)
    expect(error.message).not.toContain('same-tok')
  })
})

describe('the seed demo through CryptoFactory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pme-kms-local-levels-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const path = join(dir, 'people.parquet.encrypted')
  const kms = new LocalKms(KEY_LIST, privilegeLevelAcl(KEYS_BY_LEVEL, TOKENS))
  const rows = [
    {
      id: 1,
      date_of_birth: '1988-02-17',
      first_name: 'Mike',
      last_name: 'Truk',
      social_security_number: '123-45-6789',
    },
    {
      id: 2,
      date_of_birth: '1989-02-06',
      first_name: 'Rey',
      last_name: 'McSriff',
      social_security_number: '234-56-7890',
    },
  ]
  const read = (token: string | undefined, columns: string[]) => {
    const factory = new CryptoFactory(localKmsClientFactory(kms))
    const kmsConfig = token === undefined ? {} : { keyAccessToken: token }
    return readParquet(path, { ...factory.fileDecryptionProperties(kmsConfig), columns })
  }

  // The seed's writer sends no token: wrapping is open, only unwrapping is checked.
  beforeAll(async () => {
    const factory = new CryptoFactory(localKmsClientFactory(kms))
    const encryption = await factory.fileEncryptionProperties(
      {},
      {
        footerKey: 'PUBLIC',
        plaintextFooter: true,
        columnKeys: {
          INTERNAL: ['date_of_birth'],
          CONFIDENTIAL: ['first_name', 'last_name'],
          RESTRICTED: ['social_security_number'],
        },
        dataKeyLengthBits: 256,
      },
    )
    await writeParquet(path, { rows }, { encryption })
  })

  it('RESTRICTED reads every column', async () => {
    expect(await read(TOKENS.RESTRICTED, Object.keys(rows[0] as object))).toEqual(rows)
  })

  it('INTERNAL reads id and date_of_birth, and is denied first_name', async () => {
    expect(await read(TOKENS.INTERNAL, ['id', 'date_of_birth'])).toEqual(
      rows.map(({ id, date_of_birth }) => ({ id, date_of_birth })),
    )
    const error = await caught(() => read(TOKENS.INTERNAL, ['id', 'first_name']))
    // Core adds where it happened to the KMS's error.
    expect(error).toBeInstanceOf(KmsAccessDeniedError)
    expect(error.message).toContain('may not unwrap with master key "CONFIDENTIAL"')
    expect(error.location.column).toBe('first_name')
    expectNoSecrets(error, SECRETS, Object.values(TOKENS))
  })

  it('no token reads the plaintext id column only', async () => {
    expect(await read(undefined, ['id'])).toEqual(rows.map(({ id }) => ({ id })))
    expect(await caught(() => read(undefined, ['date_of_birth']))).toBeInstanceOf(KmsAccessDeniedError)
  })
})
