import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createKmsClientFactory } from '@pme/kms-http'
import type { DemoKms } from './demo-kms.js'
import { masterKeyIdOf, READERS } from './privileges.js'

/** The `server` section of pme.config.json: one master key per level, the level names as tokens. */
function serverSection(): object {
  const keys: Record<string, string[]> = {}
  const tokens: Record<string, string> = {}
  for (const { level, token } of READERS) {
    keys[level] = [masterKeyIdOf(level)]
    if (token !== undefined) tokens[level] = token
  }
  return { privileges: { levels: { keys, tokens } } }
}

/** The `pme` command of @pme/cli, run with this Node. */
function pmeBin(): string {
  return createRequire(import.meta.url).resolve('@pme/cli/bin/pme.js')
}

/** Resolves with the base URL `pme kms serve` prints; rejects with its stderr if it exits first. */
function listening(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = ''
    let stderr = ''
    child.stderr?.on('data', (data) => {
      stderr += String(data)
    })
    child.on('exit', (code) => reject(new Error(`pme kms serve exited (${code}): ${stderr.trim()}`)))
    child.stdout?.on('data', (data) => {
      stdout += String(data)
      const url = /listening on (\S+)/.exec(stdout)?.[1]
      if (url) resolve(url)
    })
  })
}

/**
 * The `--server` backend: `pme kms serve` as a child process on a free port of 127.0.0.1, holding the
 * master keys (handed over in PME_KEY_LIST, never on the command line) and the levels, and
 * @pme/kms-http's client talking to it (the token as `x-api-key`, none for PUBLIC).
 */
export async function serverKms(masterKeys: ReadonlyMap<string, Uint8Array>): Promise<DemoKms> {
  const dir = await mkdtemp(join(tmpdir(), 'pme-demo-kms-'))
  const config = join(dir, 'pme.config.json')
  await writeFile(config, JSON.stringify({ server: serverSection() }))
  const keyList = [...masterKeys].map(([id, key]) => `${id}: ${Buffer.from(key).toString('base64')}`).join(', ')
  const child = spawn(process.execPath, [pmeBin(), 'kms', 'serve', '--port', '0', '--config', config], {
    env: { ...process.env, PME_KEY_LIST: keyList },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const stopped = new Promise((resolve) => child.on('exit', resolve))
  try {
    const url = await listening(child)
    return {
      description: `HTTP KMS at ${url} (pme kms serve, client @pme/kms-http)`,
      clientFactory: createKmsClientFactory({}),
      connection: (token) => ({ kmsInstanceUrl: url, ...(token === undefined ? {} : { keyAccessToken: token }) }),
      close: async () => {
        child.kill('SIGTERM')
        await stopped
        await rm(dir, { recursive: true, force: true })
      },
    }
  } catch (error) {
    child.kill('SIGKILL')
    await rm(dir, { recursive: true, force: true })
    throw error
  }
}
