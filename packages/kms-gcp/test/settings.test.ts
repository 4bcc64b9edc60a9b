import { kmsConnectionConfig, UsageError } from '@pme/core'
import { describe, expect, it } from 'vitest'
import { endpointFor, parseEndpoint, parseSettings } from '../src/index.js'

describe('settings', () => {
  it('has defaults', () => {
    const parsed = parseSettings({})
    expect(parsed).toEqual({
      retryAttempts: 4,
      requestTimeoutMs: 10_000,
      retryBaseDelayMs: 100,
      retryMaxDelayMs: 2_000,
    })
  })

  it('reads every setting', () => {
    const parsed = parseSettings({
      endpoint: 'http://127.0.0.1:9010',
      keyFilename: '/k.json',
      additionalAuthenticatedData: 'tenant=a',
      retryAttempts: '2',
      requestTimeoutMs: '500',
    })
    expect(parsed.endpoint).toBe('http://127.0.0.1:9010')
    expect(parsed.keyFilename).toBe('/k.json')
    expect(Buffer.from(parsed.additionalAuthenticatedData as Uint8Array).toString()).toBe('tenant=a')
    expect(parsed.retryAttempts).toBe(2)
    expect(parsed.requestTimeoutMs).toBe(500)
  })

  it('rejects bad numbers and endpoints', () => {
    expect(() => parseSettings({ retryAttempts: '0' })).toThrow(UsageError)
    expect(() => parseSettings({ requestTimeoutMs: 'soon' })).toThrow(UsageError)
    expect(() => parseSettings({ endpoint: 'ftp://x' })).toThrow(UsageError)
    expect(() => parseSettings({ endpoint: 'http://x:1/v1/projects' })).toThrow(UsageError)
  })

  it('parses endpoints: http = plaintext (emulators), https or bare host = TLS', () => {
    expect(parseEndpoint('http://127.0.0.1:9010')).toEqual({ host: '127.0.0.1', port: 9010, insecure: true })
    expect(parseEndpoint('https://kms.example.com')).toEqual({ host: 'kms.example.com', port: 443, insecure: false })
    expect(parseEndpoint('cloudkms.googleapis.com:443')).toEqual({
      host: 'cloudkms.googleapis.com',
      port: 443,
      insecure: false,
    })
    expect(parseEndpoint('http://[::1]:9010')).toEqual({ host: '::1', port: 9010, insecure: true })
  })

  it('endpoint: setting, else instance URL unless DEFAULT, else Google', () => {
    const none = parseSettings({})
    expect(endpointFor(none, kmsConnectionConfig())).toEqual({
      host: 'cloudkms.googleapis.com',
      port: 443,
      insecure: false,
    })
    expect(endpointFor(none, kmsConnectionConfig({ kmsInstanceUrl: 'http://localhost:1' })).port).toBe(1)
    const set = parseSettings({ endpoint: 'http://localhost:2' })
    expect(endpointFor(set, kmsConnectionConfig({ kmsInstanceUrl: 'http://localhost:1' })).port).toBe(2)
  })
})
