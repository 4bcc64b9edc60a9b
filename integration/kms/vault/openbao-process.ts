import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { repoRoot } from '../../setup/paths.js'
import { spawnTracked, stopTracked } from '../child-processes.js'
import { freePort, waitUntil } from '../ports.js'
import { VaultAdmin } from './vault-admin.js'

/** Where setup/openbao-env.sh links the bao binary (same default and override). */
export const baoBinary = path.join(
  process.env.PME_OPENBAO_DIR
    ? path.resolve(repoRoot, process.env.PME_OPENBAO_DIR)
    : path.join(repoRoot, '.cache', 'openbao'),
  'bao',
)
export const openbaoEnvScript = path.join(repoRoot, 'integration', 'setup', 'openbao-env.sh')

export interface VaultServer {
  readonly address: string
  readonly rootToken: string
  readonly description: string
  stop(): Promise<void>
}

/**
 * An OpenBao dev server (in memory, unsealed, Vault's HTTP API) on a free loopback port with a
 * random root token; its working folder is removed when it stops.
 */
export async function startOpenBao(): Promise<VaultServer> {
  if (!existsSync(baoBinary))
    throw new Error(`OpenBao is not installed at ${baoBinary}: run ${openbaoEnvScript} (the KMS global setup does)`)
  const port = await freePort()
  const rootToken = `root-${randomBytes(12).toString('hex')}`
  const workDir = mkdtempSync(path.join(tmpdir(), 'pme-openbao-'))
  const address = `http://127.0.0.1:${port}`
  const child = spawnTracked(
    baoBinary,
    [
      'server',
      '-dev',
      `-dev-root-token-id=${rootToken}`,
      `-dev-listen-address=127.0.0.1:${port}`,
      '-dev-no-store-token',
    ],
    { cwd: workDir, env: { PATH: process.env.PATH ?? '', HOME: workDir, BAO_DISABLE_MLOCK: 'true' } },
  )
  let log = ''
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-4000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const stop = async () => {
    await stopTracked(child)
    rmSync(workDir, { recursive: true, force: true })
  }
  try {
    const admin = new VaultAdmin(address, rootToken, 'transit')
    await waitUntil(
      `OpenBao dev server at ${address}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`bao exited with code ${child.exitCode}: ${log.slice(-800)}`)
        return admin.healthy()
      },
      30_000,
    )
  } catch (error) {
    await stop()
    throw error
  }
  return { address, rootToken, description: `OpenBao dev server (${baoBinary}) at ${address}`, stop }
}
