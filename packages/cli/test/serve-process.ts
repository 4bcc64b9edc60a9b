import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach } from 'vitest'

const bin = fileURLToPath(new URL('../bin/pme.js', import.meta.url))

const children: ChildProcessWithoutNullStreams[] = []
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL')
})

export interface ServerProcess {
  readonly url: string
  readonly child: ChildProcessWithoutNullStreams
  readonly logs: string[]
}

/**
 * Starts `pme kms serve --port 0 <args>` (killed after the test); resolves with its base URL once it
 * says it is listening.
 */
export function startServer(args: string[], env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, [bin, 'kms', 'serve', '--port', '0', ...args], {
    env: { ...process.env, ...env },
  })
  children.push(child)
  const logs: string[] = []
  child.stderr.on('data', (data) => logs.push(String(data)))
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`pme kms serve exited with ${code}: ${logs.join('')}`)))
    child.stdout.on('data', (data) => {
      const match = /listening on (\S+)/.exec(String(data))
      if (match?.[1]) resolve({ url: match[1], child, logs })
    })
  })
}
