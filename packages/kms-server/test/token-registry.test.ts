import * as crypto from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { TokenRegistry } from '../src/access/token-registry.js'

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>()
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) }
})

const TOKENS = ['tok-a-1111', 'tok-b-2222', 'tok-c-3333', 'tok-d-4444']

describe('TokenRegistry', () => {
  const registry = new TokenRegistry(TOKENS.map((token, index) => [token, index] as const))
  afterEach(() => vi.mocked(crypto.timingSafeEqual).mockClear())

  it('finds the value of a configured token, and nothing for any other', () => {
    for (const [index, token] of TOKENS.entries()) expect(registry.find(token)).toBe(index)
    for (const other of ['', 'tok-a-111', 'tok-a-11111', 'TOK-A-1111']) expect(registry.find(other)).toBeUndefined()
  })

  it('compares the digest with every entry, with timingSafeEqual, whichever token matches or none', () => {
    for (const token of [TOKENS[0], TOKENS[3], 'unknown']) {
      vi.mocked(crypto.timingSafeEqual).mockClear()
      registry.find(token as string)
      const calls = vi.mocked(crypto.timingSafeEqual).mock.calls
      expect(calls).toHaveLength(TOKENS.length)
      // SHA-256 digests are compared, never the tokens themselves.
      for (const [a, b] of calls) expect([(a as Buffer).length, (b as Buffer).length]).toEqual([32, 32])
    }
  })

  it('keeps no token in a form that inspecting it would print', async () => {
    const { inspect } = await import('node:util')
    const printed = inspect(registry, { depth: 10, showHidden: true })
    for (const token of TOKENS) expect(printed).not.toContain(token)
    expect(JSON.stringify(registry)).toBe('{}')
  })
})
