import { type ChildProcess, spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { createKmsClientFactory } from '@pme/kms-http'
import type { DemoKms } from './demo-kms.js'

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
 * The `--server` backend: `pme kms serve --config <dataset>/pme.config.json` as a child process on
 * 127.0.0.1:`port` (the same command the demo prints for later), and @pme/kms-http's client talking to
 * it (the token as `x-api-key`, none for PUBLIC). An exported PME_KEY_LIST is not passed on: it
 * would override the config's master keys.
 */
export async function serverKms(config: string, port: number): Promise<DemoKms> {
  const { PME_KEY_LIST: _ignored, ...env } = process.env
  const args = [pmeBin(), 'kms', 'serve', '--port', String(port), '--config', config]
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  const stopped = new Promise((resolve) => child.on('exit', resolve))
  try {
    const url = await listening(child)
    return {
      description: `HTTP KMS at ${url} (pme kms serve, client @pme/kms-http)`,
      url,
      clientFactory: createKmsClientFactory({}),
      connection: (token) => ({ kmsInstanceUrl: url, ...(token === undefined ? {} : { keyAccessToken: token }) }),
      close: async () => {
        child.kill('SIGTERM')
        await stopped
      },
    }
  } catch (error) {
    child.kill('SIGKILL')
    throw error
  }
}
