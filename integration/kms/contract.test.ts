import { randomBytes } from 'node:crypto'
import {
  KmsAccessDeniedError,
  type KmsClient,
  KmsError,
  KmsKeyNotFoundError,
  KmsUnavailableError,
  PmeError,
} from '@pme/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FaultInjector, FaultTuning } from './backend.js'
import { type Fault, FaultProxy } from './fault-proxy.js'
import { refusingUrl } from './ports.js'
import { itMode, modeSkipReason, selectedBackends } from './registry.js'
import { clientFor, rejection, useBackend } from './suite-backend.js'

/*
 * The KMS contract every adapter passes, against every registered backend (kms/backends/*.ts) in
 * the mode PME_IT_MODE chooses. Typed failures: wrong master key → KmsError (exactly), unknown
 * key → KmsKeyNotFoundError, no permission → KmsAccessDeniedError, transient faults retried up to
 * the limit, then KmsUnavailableError. No message carries the access token or key bytes.
 */

const mode = itMode()
const skip = modeSkipReason(mode)
const backends = await selectedBackends()
const TUNING: FaultTuning = { attempts: 3, requestTimeoutMs: 500 }

function expectNoSecrets(error: unknown, ...secrets: string[]): void {
  const text = `${String(error)} ${(error as Error).stack ?? ''}`
  for (const secret of secrets) expect(text).not.toContain(secret)
}

for (const backend of backends) {
  const backendSkip = skip ?? backend.skipReason?.(mode)
  if (backendSkip && !skip) console.warn(`[kms] contract: backend ${backend.name} skipped: ${backendSkip}`)
  describe.skipIf(backendSkip)(`KMS contract: ${backend.name} (${mode} mode)`, () => {
    const running = useBackend(backend, mode, 'contract')
    let client: KmsClient
    let masterKey: string
    let otherKey: string

    beforeAll(async () => {
      client = await clientFor(running(), running().access)
      masterKey = await running().createMasterKey()
      otherKey = await running().createMasterKey()
    })

    it.each([16, 24, 32])('wraps and unwraps a %i-byte key', async (length) => {
      const key = randomBytes(length)
      const wrapped = await client.wrapKey(key, masterKey)
      expect(typeof wrapped).toBe('string')
      expect(wrapped).not.toContain(key.toString('base64'))
      expect(Buffer.from(await client.unwrapKey(wrapped, masterKey))).toEqual(key)
    })

    it('fails with KmsError when unwrapping with the wrong master key', async () => {
      const wrapped = await client.wrapKey(randomBytes(16), masterKey)
      const error = await rejection(client.unwrapKey(wrapped, otherKey))
      expect(error).toBeInstanceOf(KmsError)
    })

    it('fails with KmsKeyNotFoundError for a master key the KMS does not have', async () => {
      const missing = `${masterKey}-missing`
      const wrapped = await client.wrapKey(randomBytes(16), masterKey)
      expect(await rejection(client.unwrapKey(wrapped, missing))).toBeInstanceOf(KmsKeyNotFoundError)
      expect(await rejection(client.wrapKey(randomBytes(16), missing))).toBeInstanceOf(KmsKeyNotFoundError)
    })

    it('fails with KmsAccessDeniedError for a principal without permission, token not in the message', async (test) => {
      const cannotDeny = running().cannotDeny
      if (cannotDeny) test.skip(`SKIPPED: ${cannotDeny}`)
      const denied = await running().deniedAccess(masterKey)
      const deniedClient = await clientFor(running(), denied)
      const wrapped = await client.wrapKey(randomBytes(16), masterKey)
      const wrapError = await rejection(deniedClient.wrapKey(randomBytes(16), masterKey))
      const unwrapError = await rejection(deniedClient.unwrapKey(wrapped, masterKey))
      expect(wrapError).toBeInstanceOf(KmsAccessDeniedError)
      expect(unwrapError).toBeInstanceOf(KmsAccessDeniedError)
      const token = denied.connection.keyAccessToken
      if (token && token !== 'DEFAULT') expectNoSecrets(wrapError, token)
    })

    it('retries a refused connection up to the limit, then fails with KmsUnavailableError', async () => {
      const refused = await clientFor(running(), running().accessVia(await refusingUrl(), TUNING))
      const error = await rejection(refused.wrapKey(randomBytes(16), masterKey))
      expect(error).toBeInstanceOf(KmsUnavailableError)
    })

    describe('through a fault-injecting proxy', () => {
      let proxy: FaultInjector | undefined
      let faulty: KmsClient
      const current = () => proxy as FaultInjector

      beforeAll(async () => {
        proxy = running().createFaultProxy?.() ?? new FaultProxy(running().baseUrl)
        faulty = await clientFor(running(), running().accessVia(await proxy.start(), TUNING))
      })
      afterAll(async () => {
        await proxy?.stop()
      })

      const faults: [string, Fault][] = [
        ['HTTP 503', { kind: 'status', status: 503 }],
        ['HTTP 429 (throttling)', { kind: 'status', status: 429 }],
        ['a timeout', { kind: 'delay', ms: TUNING.requestTimeoutMs + 1_000 }],
      ]

      it.each(faults)('recovers after 2 faults of %s', async (_name, fault) => {
        const key = randomBytes(16)
        current().inject(fault, 2)
        const wrapped = await faulty.wrapKey(key, masterKey)
        expect(current().received).toBe(3)
        current().inject(fault, 2)
        expect(Buffer.from(await faulty.unwrapKey(wrapped, masterKey))).toEqual(key)
        expect(current().received).toBe(3)
      })

      it.each(faults)('fails with KmsUnavailableError when %s persists past the retry limit', async (_name, fault) => {
        current().inject(fault, Number.POSITIVE_INFINITY)
        const error = await rejection(faulty.wrapKey(randomBytes(16), masterKey))
        expect(error).toBeInstanceOf(KmsUnavailableError)
        expect(current().received).toBe(TUNING.attempts)
        current().inject(fault, 0)
      })
    })

    it('keeps keys wrapped before a rotation unwrappable; new wraps use the new version', async () => {
      const rotating = await running().createMasterKey()
      const key = randomBytes(16)
      const before = await client.wrapKey(key, rotating)
      await running().rotateMasterKey(rotating)
      const after = await client.wrapKey(key, rotating)
      expect(Buffer.from(await client.unwrapKey(before, rotating))).toEqual(key)
      expect(Buffer.from(await client.unwrapKey(after, rotating))).toEqual(key)
      // Where the format tells the version (keyVersionOf answers for the wrap made before), check it.
      const versionBefore = running().keyVersionOf?.(before)
      if (versionBefore !== undefined) expect(running().keyVersionOf?.(after)).toBe(versionBefore + 1)
    })

    it('wraps 50 keys concurrently, each unwrapping to its own key', async () => {
      const keys = Array.from({ length: 50 }, () => randomBytes(16))
      const wrapped = await Promise.all(keys.map((key) => client.wrapKey(key, masterKey)))
      expect(new Set(wrapped).size).toBe(50)
      const unwrapped = await Promise.all(wrapped.map((w) => client.unwrapKey(w, masterKey)))
      expect(unwrapped.map((u) => Buffer.from(u).toString('hex'))).toEqual(keys.map((k) => k.toString('hex')))
    })

    it('errors are PmeErrors with stable codes', async () => {
      const error = await rejection(client.unwrapKey('not a wrapped key', masterKey))
      expect(error).toBeInstanceOf(PmeError)
    })
  })
}
