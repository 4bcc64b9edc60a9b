import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CryptoFactory, KmsAccessDeniedError, readParquet, writeParquet } from '@pme/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKmsClientFactory } from '../src/index.js'
import { expectNoSecrets, FAST, failure, kmsServerForTests, MASTER_KEYS, TOKENS } from './helpers.js'

/*
 * The seed demo end to end over HTTP: a file written through CryptoFactory with one master key per
 * level, read back through the pme KMS server with each token; a token is refused exactly the
 * columns above its level, with the typed error naming the column.
 */

const ROWS = [
  { id: 1, date_of_birth: '1988-02-17', first_name: 'Mike', last_name: 'Truk', social_security_number: '123-45-6789' },
  {
    id: 2,
    date_of_birth: '1989-02-06',
    first_name: 'Rey',
    last_name: 'McSriff',
    social_security_number: '234-56-7890',
  },
]
const COLUMNS = Object.keys(ROWS[0] as object)
const pick = (columns: string[]) =>
  ROWS.map((row) => Object.fromEntries(columns.map((column) => [column, row[column as keyof typeof row]])))

describe('writeParquet / readParquet through CryptoFactory and the HTTP KMS', () => {
  const served = kmsServerForTests()
  const dir = mkdtempSync(join(tmpdir(), 'pme-kms-http-'))
  const path = join(dir, 'people.parquet.encrypted')
  const factory = new CryptoFactory(createKmsClientFactory(FAST))
  const connection = (token?: string) => ({ kmsInstanceUrl: served.url, ...(token ? { keyAccessToken: token } : {}) })
  const read = (token: string | undefined, columns: string[]) =>
    readParquet(path, { ...factory.fileDecryptionProperties(connection(token)), columns })

  beforeAll(async () => {
    // The seed's writer sends no token: wrapping is open, only unwrapping is checked.
    const encryption = await factory.fileEncryptionProperties(connection(), {
      footerKey: 'PUBLIC',
      plaintextFooter: true,
      columnKeys: 'INTERNAL:date_of_birth;CONFIDENTIAL:first_name,last_name;RESTRICTED:social_security_number',
    })
    await writeParquet(path, { rows: ROWS }, { encryption })
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('RESTRICTED reads every column', async () => {
    expect(await read(TOKENS.RESTRICTED, COLUMNS)).toEqual(ROWS)
  })

  it('CONFIDENTIAL reads up to the names, and is refused social_security_number by name', async () => {
    const allowed = ['id', 'date_of_birth', 'first_name', 'last_name']
    expect(await read(TOKENS.CONFIDENTIAL, allowed)).toEqual(pick(allowed))
    const error = await failure(read(TOKENS.CONFIDENTIAL, ['id', 'social_security_number']))
    expect(error).toBeInstanceOf(KmsAccessDeniedError)
    expect(error.location.column).toBe('social_security_number')
    expect(error.message).toContain('unwrap with master key "RESTRICTED" refused (HTTP 403 access_denied')
    expect(error.message).toContain('column social_security_number')
    expectNoSecrets(error, Object.values(MASTER_KEYS), Object.values(TOKENS))
  })

  it('INTERNAL reads date_of_birth and is refused first_name', async () => {
    expect(await read(TOKENS.INTERNAL, ['id', 'date_of_birth'])).toEqual(pick(['id', 'date_of_birth']))
    const error = await failure(read(TOKENS.INTERNAL, ['first_name']))
    expect(error).toBeInstanceOf(KmsAccessDeniedError)
    expect(error.location.column).toBe('first_name')
  })

  it('no token reads the plaintext id only', async () => {
    expect(await read(undefined, ['id'])).toEqual(pick(['id']))
    const error = await failure(read(undefined, ['date_of_birth']))
    expect(error).toBeInstanceOf(KmsAccessDeniedError)
    expect(error.message).toContain('HTTP 401 token_required')
  })

  it('went through the server: it logged wraps and unwraps, and no token', () => {
    expect(served.logs.some((line) => line.includes('POST /v1/keys/RESTRICTED/wrap 200'))).toBe(true)
    expect(served.logs.some((line) => line.includes('POST /v1/keys/RESTRICTED/unwrap 403'))).toBe(true)
    for (const token of Object.values(TOKENS)) expect(served.logs.join('\n')).not.toContain(token)
  })
})
