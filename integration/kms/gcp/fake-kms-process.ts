import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { repoRoot } from '../../setup/paths.js'
import type { ItMode } from '../backend.js'
import { startEmulator } from '../child-processes.js'
import { freePort } from '../ports.js'

/** Where setup/fake-cloud-kms-env.sh puts the fake-cloud-kms binary (same default and override). */
export const fakeCloudKmsBinary = path.join(
  process.env.PME_FAKE_CLOUD_KMS_DIR
    ? path.resolve(repoRoot, process.env.PME_FAKE_CLOUD_KMS_DIR)
    : path.join(repoRoot, '.cache', 'fake-cloud-kms'),
  'bin',
  'fake-cloud-kms',
)
export const fakeCloudKmsEnvScript = path.join(repoRoot, 'integration', 'setup', 'fake-cloud-kms-env.sh')
/** The harness's own Cloud KMS fake (gRPC, with IAM), see fake-kms-server.mjs. */
export const pmeFakeScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fake-kms-server.mjs')

/**
 * PME_IT_GCP_EMULATOR, `pme-fake` or `fake-cloud-kms`: which emulator process mode runs (default
 * pme-fake), or what docker mode's image runs (default fake-cloud-kms, the default image's).
 */
export type GcpEmulator = 'pme-fake' | 'fake-cloud-kms'
export function gcpEmulator(mode: ItMode, env: NodeJS.ProcessEnv = process.env): GcpEmulator {
  const value = env.PME_IT_GCP_EMULATOR || (mode === 'docker' ? 'fake-cloud-kms' : 'pme-fake')
  if (value !== 'pme-fake' && value !== 'fake-cloud-kms') {
    throw new Error(`PME_IT_GCP_EMULATOR must be pme-fake or fake-cloud-kms (got "${value}")`)
  }
  return value
}

export interface GcpEmulatorServer {
  /** `http://127.0.0.1:<port>` (plaintext gRPC). */
  readonly endpoint: string
  readonly description: string
  /** Whether it enforces IAM (bearer tokens → members → role bindings); fake-cloud-kms does not. */
  readonly enforcesIam: boolean
  stop(): Promise<void>
}

/**
 * Starts the Cloud KMS emulator on a free loopback port, tracked so no run leaves it behind.
 * `principals`: bearer token → IAM member, for the pme fake (fake-cloud-kms has no IAM).
 */
export async function startGcpEmulator(
  emulator: GcpEmulator,
  principals: Record<string, string>,
): Promise<GcpEmulatorServer> {
  const port = await freePort()
  const listen = `127.0.0.1:${port}`
  const endpoint = `http://${listen}`
  const fake = emulator === 'pme-fake'
  if (!fake && !existsSync(fakeCloudKmsBinary))
    throw new Error(`fake-cloud-kms is not installed at ${fakeCloudKmsBinary}: run ${fakeCloudKmsEnvScript}`)
  const { stop } = await startEmulator({
    name: `${emulator} at ${endpoint}`,
    command: fake ? process.execPath : fakeCloudKmsBinary,
    args: fake ? [pmeFakeScript, '--grpc-listen-addr', listen] : ['--grpc-listen-addr', listen, '--log-level', 'warn'],
    env: fake ? { PME_FAKE_GCP_PRINCIPALS: JSON.stringify(principals) } : {},
    ready: async (log) => (fake ? log.includes('listening on') : portOpen(port)),
    timeoutMs: 30_000,
  })
  const what =
    emulator === 'pme-fake'
      ? 'pme Cloud KMS fake (integration/kms/gcp/fake-kms-server.mjs)'
      : `fake-cloud-kms (${fakeCloudKmsBinary})`
  return { endpoint, description: `${what} at ${endpoint}`, enforcesIam: emulator === 'pme-fake', stop }
}

async function portOpen(port: number): Promise<boolean> {
  const { connect } = await import('node:net')
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}
