import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { b64, people, tempDir, writePeople } from './fixtures.js'
import { pme } from './run-pme.js'
import { startServer } from './serve-process.js'

/*
 * `pme kms serve` as a process, and other `pme` processes using it with `--kms http`: the seed demo's
 * setup, with the privilege levels in pme.config.json.
 */

const keyList = [
  `public: ${b64('public-key-0123456789abcdef01234')}`,
  `internal: ${b64('internal-key-0123456789abcdef012')}`,
  `restricted: ${b64('restricted-key-0123456789abcdef0')}`,
].join(', ')

/** Starts the server on a free port; resolves with its base URL once it says it is listening. */
function startServerWith(config: string) {
  return startServer(['--config', config], { PME_KEY_LIST: keyList, PME_TOKEN_RESTRICTED: 'restricted-token' })
}

function serverConfig(): string {
  const path = join(tempDir(), 'pme.config.json')
  const server = {
    privileges: {
      levels: {
        keys: { PUBLIC: ['public'], INTERNAL: ['internal'], RESTRICTED: ['restricted'] },
        tokens: { INTERNAL: 'internal-token', RESTRICTED: '$env:PME_TOKEN_RESTRICTED' },
      },
    },
  }
  writeFileSync(path, JSON.stringify({ server }))
  return path
}

describe('pme kms serve', () => {
  it('serves the key tools of other pme processes, refuses a low token a column, and stops on SIGINT', async () => {
    const { url, child, logs } = await startServerWith(serverConfig())
    expect((await fetch(`${url}/healthz`)).status).toBe(200)

    const dir = tempDir()
    const input = await writePeople(join(dir, 'people.parquet'))
    const out = join(dir, 'people.enc.parquet')
    const http = ['--kms', 'http', '--kms-instance-url', url]
    const encrypted = pme([
      'encrypt',
      input,
      '-o',
      out,
      '--footer-key',
      'public',
      '--column-keys',
      'internal:name;restricted:ssn',
      ...http,
    ])
    expect(encrypted.stderr).toMatch(/^pme encrypt: 1 file encrypted/)
    expect(encrypted.code).toBe(0)

    const rows = (stdout: string) =>
      stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
    const restricted = pme(['cat', out, ...http, '--access-token', 'restricted-token'])
    expect(restricted.code).toBe(0)
    expect(rows(restricted.stdout)).toEqual(people)

    const internal = pme(['cat', out, '--columns', 'id,name', ...http, '--access-token', 'internal-token'])
    expect(internal.code).toBe(0)
    expect(rows(internal.stdout)).toEqual(people.map(({ id, name }) => ({ id, name })))

    const refused = pme(['cat', out, '--columns', 'id,ssn', ...http, '--access-token', 'internal-token'])
    expect(refused.code).toBe(1)
    expect(refused.stdout).toBe('')
    expect(refused.stderr.trim().split('\n')).toHaveLength(1)
    expect(refused.stderr).toMatch(/KmsAccessDeniedError: .*"restricted".*column ssn/)
    expect(refused.stderr).not.toContain('internal-token')

    const anonymous = pme(['cat', out, '--columns', 'id', ...http])
    expect(rows(anonymous.stdout)).toEqual(people.map(({ id }) => ({ id })))

    const metrics = await (await fetch(`${url}/metrics`)).text()
    expect(metrics).toMatch(/pme_kms_requests_total\{operation="unwrap",key="restricted",outcome="denied"\} 1/)
    expect(logs.join('')).not.toMatch(/restricted-token|internal-token/)

    child.kill('SIGINT')
    const code = await new Promise((resolve) => child.on('exit', resolve))
    expect(code).toBe(0)
  })

  it('a port in use is a usage error, in one line', async () => {
    const { url } = await startServerWith(serverConfig())
    const port = new URL(url).port
    const { code, stderr } = pme(['kms', 'serve', '--port', port, '--config', serverConfig()], {
      PME_KEY_LIST: keyList,
      PME_TOKEN_RESTRICTED: 't',
    })
    expect(code).toBe(2)
    expect(stderr).toMatch(/port \d+ on 127\.0\.0\.1 is in use: choose another with --port/)
  })

  it('a host beyond loopback without TLS is refused: exit 2, one line saying why', () => {
    const { code, stderr } = pme(['kms', 'serve', '--host', '0.0.0.0', '--port', '0', '--config', serverConfig()], {
      PME_KEY_LIST: keyList,
      PME_TOKEN_RESTRICTED: 't',
    })
    expect(code).toBe(2)
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toMatch(/refusing plain HTTP on 0\.0\.0\.0 \(not loopback\).*--insecure-http/)
  })
})
