import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Wait } from 'testcontainers'
import { repoRoot } from '../../setup/paths.js'
import { startEmulator } from '../child-processes.js'
import { startContainer } from '../containers.js'
import { freePort } from '../ports.js'

/** Where setup/moto-env.sh puts moto's venv (same default and override). */
export const motoDir = process.env.PME_MOTO_DIR
  ? path.resolve(repoRoot, process.env.PME_MOTO_DIR)
  : path.join(repoRoot, '.cache', 'moto')
export const motoPython = path.join(motoDir, 'bin', 'python')
export const motoEnvScript = path.join(repoRoot, 'integration', 'setup', 'moto-env.sh')
/** moto_server with the two adjustments its docstring lists (IncorrectKeyException, no SigV4 check). */
export const motoLauncher = path.join(path.dirname(fileURLToPath(import.meta.url)), 'moto_launcher.py')

/** docker mode image: the moto release that process mode installs from PyPI. */
export const DEFAULT_MOTO_IMAGE = 'motoserver/moto:5.2.5'

export interface MotoServer {
  readonly endpoint: string
  readonly description: string
  stop(): Promise<void>
}

/** True once moto answers its own API (it does as soon as the HTTP server is up). */
export async function motoAnswers(endpoint: string): Promise<boolean> {
  const answer = await fetch(`${endpoint}/moto-api/data.json`, { signal: AbortSignal.timeout(2_000) })
  await answer.body?.cancel()
  return answer.ok
}

/** moto server (through moto_launcher.py) on a free loopback port; stopped and cleaned by `stop`. */
export async function startMotoProcess(): Promise<MotoServer> {
  if (!existsSync(motoPython))
    throw new Error(`moto is not installed at ${motoDir}: run ${motoEnvScript} (the KMS global setup does)`)
  const port = await freePort()
  const endpoint = `http://127.0.0.1:${port}`
  // A clean environment: no AWS_* variables of the user's reach the emulator.
  const { child, stop } = await startEmulator({
    name: `moto server at ${endpoint}`,
    command: motoPython,
    args: [motoLauncher, '-H', '127.0.0.1', '-p', String(port)],
    env: { PYTHONUNBUFFERED: '1' },
    ready: () => motoAnswers(endpoint),
    timeoutMs: 30_000,
  })
  return { endpoint, description: `moto server process at ${endpoint} (pid ${child.pid})`, stop }
}

/**
 * moto in a container (PME_IT_AWS_IMAGE, default the moto release process mode uses), started
 * through the same launcher, copied in: docker mode behaves exactly as process mode. The image
 * needs `python3` with moto[server] installed (motoserver/moto has both).
 */
export async function startMotoContainer(): Promise<MotoServer> {
  const image = process.env.PME_IT_AWS_IMAGE || DEFAULT_MOTO_IMAGE
  const container = await startContainer({
    image,
    port: 5000,
    files: [{ source: motoLauncher, target: '/pme/moto_launcher.py' }],
    entrypoint: ['python3', '/pme/moto_launcher.py'],
    command: ['-H', '0.0.0.0', '-p', '5000'],
    env: { PYTHONUNBUFFERED: '1' },
    wait: Wait.forHttp('/moto-api/data.json', 5000).forStatusCode(200),
  })
  const endpoint = `http://${container.host}:${container.port}`
  return { endpoint, description: `container ${image} at ${endpoint}`, stop: () => container.stop() }
}
