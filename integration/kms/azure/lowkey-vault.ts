import { existsSync } from 'node:fs'
import path from 'node:path'
import { GenericContainer, type StartedTestContainer } from 'testcontainers'
import { repoRoot } from '../../setup/paths.js'
import { startEmulator } from '../child-processes.js'
import { freePort, waitUntil } from '../ports.js'

export const LOWKEY_VAULT_VERSION = '3.4.33'
/** Where setup/lowkey-vault-env.sh puts the jar and the exported certificate (same default and override). */
export const lowkeyDir = process.env.PME_LOWKEY_VAULT_DIR
  ? path.resolve(repoRoot, process.env.PME_LOWKEY_VAULT_DIR)
  : path.join(repoRoot, '.cache', 'lowkey-vault')
export const lowkeyJar = path.join(lowkeyDir, `lowkey-vault-app-${LOWKEY_VAULT_VERSION}.jar`)
/** lowkey-vault's self-signed certificate (SAN localhost, 127.0.0.1), trusted by the test processes only. */
export const lowkeyCert = path.join(lowkeyDir, 'lowkey-vault-cert.pem')
export const lowkeyEnvScript = path.join(repoRoot, 'integration', 'setup', 'lowkey-vault-env.sh')
export const DEFAULT_LOWKEY_IMAGE = `nagyesta/lowkey-vault:${LOWKEY_VAULT_VERSION}`

export interface LowkeyServer {
  /** The vault URL (lowkey-vault picks the vault by the request's host and port). */
  readonly vaultUrl: string
  readonly description: string
  stop(): Promise<void>
}

/** True once the vault answers (401 with a challenge: it is up). */
async function answers(vaultUrl: string): Promise<boolean> {
  const response = await fetch(`${vaultUrl}/keys?api-version=7.4`, { signal: AbortSignal.timeout(2_000) })
  await response.body?.cancel()
  return response.status === 401 || response.ok
}

/** lowkey-vault as a Java process on a free loopback port; the vault is https://localhost:<port>. */
export async function startLowkeyProcess(): Promise<LowkeyServer> {
  if (!existsSync(lowkeyJar))
    throw new Error(`lowkey-vault is not installed at ${lowkeyJar}: run ${lowkeyEnvScript} (the KMS global setup does)`)
  const port = await freePort()
  const vaultUrl = `https://localhost:${port}`
  const { child, stop } = await startEmulator({
    name: `lowkey-vault at ${vaultUrl}`,
    command: 'java',
    args: ['-jar', lowkeyJar, `--server.port=${port}`, '--server.address=127.0.0.1'],
    env: { JAVA_HOME: process.env.JAVA_HOME ?? '' },
    ready: () => answers(vaultUrl),
    timeoutMs: 90_000,
  })
  return {
    vaultUrl,
    description: `lowkey-vault ${LOWKEY_VAULT_VERSION} process at ${vaultUrl} (pid ${child.pid})`,
    stop,
  }
}

/** lowkey-vault in a container (PME_IT_AZURE_IMAGE, default nagyesta/lowkey-vault:3.4.33), port 8443. */
export async function startLowkeyContainer(): Promise<LowkeyServer> {
  const image = process.env.PME_IT_AZURE_IMAGE || DEFAULT_LOWKEY_IMAGE
  const container: StartedTestContainer = await new GenericContainer(image).withExposedPorts(8443).start()
  const vaultUrl = `https://localhost:${container.getMappedPort(8443)}`
  await waitUntil(`lowkey-vault container at ${vaultUrl}`, () => answers(vaultUrl), 90_000)
  return {
    vaultUrl,
    description: `container ${image} at ${vaultUrl}`,
    stop: async () => {
      await container.stop()
    },
  }
}
