import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { repoRoot } from '../../setup/paths.js'
import { startEmulator } from '../child-processes.js'
import { freePort } from '../ports.js'
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
  const address = `http://127.0.0.1:${port}`
  const admin = new VaultAdmin(address, rootToken, 'transit')
  const { stop } = await startEmulator({
    name: `OpenBao dev server at ${address}`,
    command: baoBinary,
    args: [
      'server',
      '-dev',
      `-dev-root-token-id=${rootToken}`,
      `-dev-listen-address=127.0.0.1:${port}`,
      '-dev-no-store-token',
    ],
    env: { BAO_DISABLE_MLOCK: 'true' },
    ready: () => admin.healthy(),
    timeoutMs: 30_000,
  })
  return { address, rootToken, description: `OpenBao dev server (${baoBinary}) at ${address}`, stop }
}
