import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { KmsAccessDeniedError, UsageError } from '@pme/core'
import { HttpKmsClient } from '@pme/kms-http'
import { describe, expect, it } from 'vitest'
import type { CommandContext } from '../src/commands/command.js'
import { createKmsServeCommand } from '../src/commands/kms-serve.js'
import { b64, tempDir } from './fixtures.js'

/*
 * `pme kms serve` run in process, with a stop signal the test controls (as a process it stops on
 * SIGINT/SIGTERM). The server itself is tested in @pme/kms-server.
 */

const KEY_LIST = `PUBLIC: ${b64('public-key-0123456789abcdef01234')}, RESTRICTED: ${b64('restricted-key-0123456789abcdef0')}`
const DEK = new Uint8Array(16).fill(9)

/** Runs the command until `stop()`; `started` resolves with the base URL it printed. */
function serve(args: { values?: CommandContext['values']; env?: NodeJS.ProcessEnv; config?: unknown }) {
  let stop: (signal: string) => void = () => {}
  const stopped = new Promise<string>((resolve) => {
    stop = resolve
  })
  const output: string[] = []
  const logs: string[] = []
  let announce: (url: string) => void = () => {}
  const started = new Promise<string>((resolve) => {
    announce = resolve
  })
  const values = { ...(args.values ?? {}) }
  if (args.config !== undefined) {
    const path = `${tempDir()}/pme.config.json`
    writeFileSync(path, JSON.stringify(args.config))
    values.config = path
  }
  const stderr = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk))
      done()
    },
  })
  const done = createKmsServeCommand(() => stopped).run({
    positionals: [],
    values: { port: '0', ...values },
    env: args.env ?? {},
    stderr,
    out: async (text) => {
      output.push(text)
      const url = /listening on (\S+)/.exec(text)?.[1]
      if (url) announce(url)
    },
  })
  return { started, stop, done, output, logs }
}

describe('pme kms serve', () => {
  it("serves the config file's levels with tokens from the environment, prints the URLs, stops on the signal", async () => {
    const run = serve({
      env: { PME_KEY_LIST: KEY_LIST, PME_TEST_RESTRICTED: 'tok-restricted-1' },
      config: {
        server: {
          privileges: {
            levels: {
              keys: { PUBLIC: ['PUBLIC'], RESTRICTED: ['RESTRICTED'] },
              tokens: { RESTRICTED: '$env:PME_TEST_RESTRICTED' },
            },
          },
        },
      },
    })
    const url = await Promise.race([run.started, run.done.then(() => 'ended early')])
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(run.output.join('')).toContain(`Swagger UI: ${url}/docs`)

    const reader = HttpKmsClient.create({ kmsInstanceUrl: url, keyAccessToken: 'tok-restricted-1' })
    const anonymous = HttpKmsClient.create({ kmsInstanceUrl: url })
    const wrapped = await anonymous.wrapKey(DEK, 'RESTRICTED')
    expect(await reader.unwrapKey(wrapped, 'RESTRICTED')).toEqual(DEK)
    await expect(anonymous.unwrapKey(wrapped, 'RESTRICTED')).rejects.toBeInstanceOf(KmsAccessDeniedError)

    run.stop('SIGTERM')
    await run.done
    expect(run.output.at(-1)).toBe('pme KMS stopped (SIGTERM)\n')
    await expect(fetch(`${url}/healthz`)).rejects.toThrow()
    // One log line per request on stderr, and no token in them.
    expect(run.logs.filter((line) => line.includes('/v1/keys/RESTRICTED/'))).toHaveLength(3)
    expect(run.logs.join('')).not.toContain('tok-restricted-1')
  })

  it('--open with --key-list serves every key to every caller, and says so', async () => {
    const run = serve({ values: { 'key-list': KEY_LIST, open: true } })
    const url = await run.started
    const anonymous = HttpKmsClient.create({ kmsInstanceUrl: url })
    expect(await anonymous.unwrapKey(await anonymous.wrapKey(DEK, 'RESTRICTED'), 'RESTRICTED')).toEqual(DEK)
    expect(run.output.join('')).toContain('privileges: OPEN')
    run.stop('SIGINT')
    await run.done
  })

  it.each([
    ['no privileges', { values: { 'key-list': KEY_LIST } }, 'server.privileges is required'],
    ['no master keys', { values: { open: true } }, 'the server needs master keys'],
    [
      '--open against privileges in the file',
      { values: { open: true, 'key-list': KEY_LIST }, config: { server: { privileges: 'open' } } },
      '--open and server.privileges exclude each other',
    ],
    ['a bad --port', { values: { open: true, 'key-list': KEY_LIST, port: '80a' } }, '--port must be 0 to 65535'],
  ])('refuses %s with a UsageError', async (_what, args, message) => {
    const run = serve(args)
    await expect(run.done).rejects.toThrow(UsageError)
    await expect(run.done).rejects.toThrow(message)
  })

  it('--tls-cert and --tls-key serve HTTPS (also beyond loopback); master keys from --key-list-file', async () => {
    const dir = tempDir()
    // A throwaway self-signed certificate for 127.0.0.1, made now: it is its own CA for the client.
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=pme-test',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        `${dir}/kms.key`,
        '-out',
        `${dir}/kms.crt`,
      ],
      { stdio: 'pipe' },
    )
    writeFileSync(`${dir}/keys.txt`, `${KEY_LIST}\n`)
    const tls = { 'tls-cert': `${dir}/kms.crt`, 'tls-key': `${dir}/kms.key`, 'key-list-file': `${dir}/keys.txt` }
    const run = serve({ values: { ...tls, open: true, host: '0.0.0.0' } })
    const url = await Promise.race([run.started, run.done.then(() => 'ended early')])
    expect(url).toMatch(/^https:\/\/0\.0\.0\.0:\d+$/)
    expect(run.output.join('')).toContain('tls: TLS')
    const client = HttpKmsClient.create(
      { kmsInstanceUrl: url.replace('0.0.0.0', '127.0.0.1') },
      { caFile: `${dir}/kms.crt` },
    )
    expect(await client.unwrapKey(await client.wrapKey(DEK, 'RESTRICTED'), 'RESTRICTED')).toEqual(DEK)
    run.stop('SIGINT')
    await run.done
  })

  it('--insecure-http allows plain HTTP beyond loopback', async () => {
    const run = serve({ values: { 'key-list': KEY_LIST, open: true, host: '0.0.0.0', 'insecure-http': true } })
    expect(await Promise.race([run.started, run.done.then(() => 'ended early')])).toMatch(/^http:\/\/0\.0\.0\.0:/)
    expect(run.output.join('')).toContain('tls: none (plain HTTP)')
    run.stop('SIGINT')
    await run.done
  })

  it('a port in use is a UsageError that says to choose another', async () => {
    const busy = createServer()
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
    const { port } = busy.address() as AddressInfo
    try {
      const run = serve({ values: { open: true, 'key-list': KEY_LIST, port: String(port) } })
      await expect(run.done).rejects.toThrow(`port ${port} on 127.0.0.1 is in use: choose another with --port`)
    } finally {
      busy.close()
    }
  })
})
