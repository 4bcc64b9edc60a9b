import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { UsageError } from '@pme/core'
import { LocalKms } from '@pme/kms-local'
import { describe, expect, it } from 'vitest'
import { backendSection, KMS_SERVER_CONFIG_SCHEMA, kmsServerSettings } from '../src/index.js'
import { KEY_LIST, TOKENS } from './helpers.js'

const LEVELS = {
  levels: {
    keys: { PUBLIC: ['PUBLIC'], INTERNAL: ['INTERNAL'], CONFIDENTIAL: ['CONFIDENTIAL'], RESTRICTED: ['RESTRICTED'] },
    tokens: { INTERNAL: '$env:PME_TEST_TOKEN_INTERNAL', RESTRICTED: TOKENS.RESTRICTED },
  },
}
const ENV = { PME_TEST_TOKEN_INTERNAL: TOKENS.INTERNAL, PME_TEST_KEYS: KEY_LIST }

function usageError(section: unknown, context = {}): string {
  try {
    kmsServerSettings(section, { env: ENV, ...context })
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError)
    return (error as Error).message
  }
  throw new Error('the configuration should have been refused')
}

describe('kmsServerSettings', () => {
  it('applies the defaults: port 8001 on 127.0.0.1, 64 KiB bodies, unwrap checked only', () => {
    const settings = kmsServerSettings({ masterKeys: KEY_LIST, privileges: LEVELS }, { env: ENV })
    expect([settings.port, settings.host, settings.options.maxBodyBytes]).toEqual([8001, '127.0.0.1', 65536])
    expect(settings.options.backend).toBeInstanceOf(LocalKms)
    expect(settings.options.access).toMatchObject({ enforceOn: ['unwrap'], publicKeys: ['PUBLIC'] })
  })

  it('reads "$env:NAME" values: master keys and tokens', () => {
    const settings = kmsServerSettings({ masterKeys: '$env:PME_TEST_KEYS', privileges: LEVELS }, { env: ENV })
    const access = settings.options.access as { acl: Record<string, string[]> }
    expect(access.acl[TOKENS.INTERNAL]).toEqual(['PUBLIC', 'INTERNAL'])
    expect((settings.options.backend as LocalKms).masterKeyIds()).toHaveLength(4)
  })

  it('reads "$file:/path" values: master keys and tokens (Kubernetes and Docker secrets)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pme-server-secrets-'))
    writeFileSync(join(dir, 'keys'), `${KEY_LIST}\n`)
    writeFileSync(join(dir, 'token'), `${TOKENS.INTERNAL}\n`)
    const privileges = { grants: { [`$file:${join(dir, 'token')}`]: ['INTERNAL'] } }
    const settings = kmsServerSettings({ masterKeys: `$file:${join(dir, 'keys')}`, privileges }, { env: ENV })
    expect((settings.options.access as { acl: Record<string, string[]> }).acl[TOKENS.INTERNAL]).toEqual(['INTERNAL'])
    expect((settings.options.backend as LocalKms).masterKeyIds()).toHaveLength(4)
    expect(usageError({ masterKeys: `$file:${join(dir, 'none')}`, privileges })).toMatch(
      /^server\.masterKeys: cannot read the file .*none \(ENOENT\)$/,
    )
  })

  it('reads server.tls files and server.authFailureLimit', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pme-server-tls-'))
    writeFileSync(join(dir, 'cert.pem'), 'CERT')
    writeFileSync(join(dir, 'key.pem'), 'KEY')
    const base = { masterKeys: KEY_LIST, privileges: LEVELS }
    const tls = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') }
    const settings = kmsServerSettings({ ...base, tls, authFailureLimit: { maxFailures: 5 } }, { env: ENV })
    expect(settings.options.tls).toEqual({ cert: Buffer.from('CERT'), key: Buffer.from('KEY') })
    expect(settings.options.authFailureLimit).toEqual({ maxFailures: 5, windowMs: 60_000 })
    expect(kmsServerSettings(base, { env: ENV }).options.authFailureLimit).toEqual({
      maxFailures: 20,
      windowMs: 60_000,
    })
    expect(usageError({ ...base, tls: { cert: tls.cert } })).toBe(
      'server.tls needs cert and key (--tls-cert and --tls-key)',
    )
    expect(usageError({ ...base, tls: { ...tls, clientCA: tls.cert } })).toMatch(/unknown option server\.tls\.clientCA/)
    expect(usageError({ ...base, tls: { ...tls, clientCa: join(dir, 'none') } })).toMatch(
      /^server\.tls\.clientCa: cannot read .*none \(ENOENT\)$/,
    )
    expect(usageError({ ...base, authFailureLimit: { windowSeconds: 0 } })).toMatch(
      /server\.authFailureLimit\.windowSeconds must be a whole number from 1 to 86400/,
    )
  })

  it('takes grants, publicKeys and restrictWrap', () => {
    const settings = kmsServerSettings(
      {
        port: 0,
        host: '::1',
        masterKeys: KEY_LIST,
        privileges: {
          grants: { '$env:PME_TEST_TOKEN_INTERNAL': ['INTERNAL'], 'tok-admin': '*' },
          publicKeys: ['PUBLIC'],
        },
        restrictWrap: true,
        maxBodyBytes: 4096,
      },
      { env: ENV },
    )
    expect(settings.options.access).toEqual({
      acl: { [TOKENS.INTERNAL]: ['INTERNAL'], 'tok-admin': '*' },
      publicKeys: ['PUBLIC'],
      enforceOn: ['wrap', 'unwrap'],
    })
    expect([settings.port, settings.host, settings.options.maxBodyBytes]).toEqual([0, '::1', 4096])
  })

  it("lets the CLI's --key-list override masterKeys, and takes an adapter backend instead", () => {
    const override = kmsServerSettings({ masterKeys: 'bad', privileges: 'open' }, { masterKeys: KEY_LIST })
    expect((override.options.backend as LocalKms).masterKeyIds()).toEqual([
      'PUBLIC',
      'INTERNAL',
      'CONFIDENTIAL',
      'RESTRICTED',
    ])
    const backend = { factory: () => ({ wrapKey: async () => '', unwrapKey: async () => new Uint8Array() }) }
    const adapter = kmsServerSettings({ backend: { type: 'vault' }, privileges: 'open' }, { backend })
    expect(adapter.options.backend).toBe(backend)
  })

  it.each([
    [
      'an unknown option',
      { masterKeys: KEY_LIST, privileges: 'open', prot: 1 },
      'unknown option server.prot (known: port, host',
    ],
    ['no privileges', { masterKeys: KEY_LIST }, 'server.privileges is required'],
    ['no master keys', { privileges: 'open' }, 'the server needs master keys'],
    [
      'a bad port',
      { masterKeys: KEY_LIST, privileges: 'open', port: 70000 },
      'server.port must be a whole number from 0 to 65535',
    ],
    [
      'a tiny body limit',
      { masterKeys: KEY_LIST, privileges: 'open', maxBodyBytes: 10 },
      'server.maxBodyBytes must be',
    ],
    [
      'an unset variable',
      { masterKeys: KEY_LIST, privileges: { grants: { '$env:PME_TEST_UNSET': '*' } } },
      'server.privileges.grants entry #1 is read from the environment variable PME_TEST_UNSET, which is not set',
    ],
    [
      'a level token that is DEFAULT',
      { masterKeys: KEY_LIST, privileges: { levels: { keys: {}, tokens: { INTERNAL: 'DEFAULT' } } } },
      'server.privileges.levels.tokens.INTERNAL: "DEFAULT" means "no token"',
    ],
    [
      'a misspelt level',
      { masterKeys: KEY_LIST, privileges: { levels: { keys: { SECRET: ['PUBLIC'] }, tokens: {} } } },
      'unknown privilege level "SECRET"',
    ],
    [
      'a key id missing from masterKeys',
      { masterKeys: KEY_LIST, privileges: { grants: { t: ['INTERNAL', 'INTERNL'] } } },
      'server.privileges names master keys that server.masterKeys lacks: INTERNL',
    ],
    [
      'both masterKeys and backend',
      { masterKeys: KEY_LIST, backend: { type: 'aws' }, privileges: 'open' },
      'exclude each other',
    ],
    ['a backend that was not loaded', { backend: { type: 'aws' }, privileges: 'open' }, 'was not loaded'],
    ['privileges of another shape', { masterKeys: KEY_LIST, privileges: ['open'] }, 'server.privileges must be'],
  ])('refuses %s', (_what, section, message) => {
    expect(usageError(section)).toContain(message)
  })

  it('never puts a token in a message', () => {
    const message = usageError({
      masterKeys: KEY_LIST,
      privileges: { levels: { keys: {}, tokens: { INTERNAL: 'tok-same-1', RESTRICTED: 'tok-same-1' } } },
    })
    expect(message).toBe('INTERNAL and RESTRICTED have the same access token')
  })
})

describe('backendSection', () => {
  it('reads the adapter type, connection and settings, $env values included', () => {
    const section = backendSection(
      {
        backend: {
          type: 'vault',
          instanceUrl: 'http://127.0.0.1:8200',
          accessToken: '$env:PME_TEST_VAULT_TOKEN',
          settings: { mount: 'transit', timeoutMs: 5000 },
        },
      },
      { PME_TEST_VAULT_TOKEN: 'hvs.x' },
    )
    expect(section).toEqual({
      type: 'vault',
      connection: { kmsInstanceUrl: 'http://127.0.0.1:8200', keyAccessToken: 'hvs.x' },
      settings: { mount: 'transit', timeoutMs: '5000' },
    })
    expect(backendSection({ masterKeys: KEY_LIST })).toBeUndefined()
  })

  it('refuses type local and unknown names', () => {
    expect(() => backendSection({ backend: { type: 'local' } })).toThrow('for local keys use server.masterKeys')
    expect(() => backendSection({ backend: { type: 'vault', url: 'x' } })).toThrow('unknown option server.backend.url')
  })
})

describe('KMS_SERVER_CONFIG_SCHEMA', () => {
  it('names every option kmsServerSettings takes, and no other', () => {
    expect(Object.keys(KMS_SERVER_CONFIG_SCHEMA.properties).sort()).toEqual(
      [
        'authFailureLimit',
        'backend',
        'host',
        'masterKeys',
        'maxBodyBytes',
        'port',
        'privileges',
        'restrictWrap',
        'tls',
      ].sort(),
    )
    expect(KMS_SERVER_CONFIG_SCHEMA.additionalProperties).toBe(false)
  })
})
