import { existsSync } from 'node:fs'
import path from 'node:path'
import { connect } from 'node:tls'
import { Wait } from 'testcontainers'
import { repoRoot } from '../../setup/paths.js'
import { startEmulator } from '../child-processes.js'
import { startContainer } from '../containers.js'
import { freePort } from '../ports.js'

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

/**
 * lowkey-vault in a container (PME_IT_AZURE_IMAGE, default nagyesta/lowkey-vault:3.4.33), port 8443.
 * It picks the vault by the request's host and port; LOWKEY_VAULT_RELAXED_PORTS makes it ignore the
 * (randomly mapped) port, so https://localhost:<mapped port> is its default vault.
 */
export async function startLowkeyContainer(): Promise<LowkeyServer> {
  const image = process.env.PME_IT_AZURE_IMAGE || DEFAULT_LOWKEY_IMAGE
  const container = await startContainer({
    image,
    port: 8443,
    env: { LOWKEY_ARGS: '--LOWKEY_VAULT_RELAXED_PORTS=true' },
    wait: Wait.forLogMessage(/Started LowkeyVaultApp/),
    startupTimeoutMs: 120_000,
  })
  // Spring Boot logs "Started LowkeyVaultApp" once its HTTPS connector listens.
  const vaultUrl = `https://localhost:${container.port}`
  return { vaultUrl, description: `container ${image} at ${vaultUrl}`, stop: () => container.stop() }
}

/**
 * The self-signed certificate lowkey-vault's image serves (baked into its jar: the same in every
 * container of the image), as PEM: read from a throwaway container, which is stopped again.
 */
export async function lowkeyImageCertificate(): Promise<string> {
  const server = await startLowkeyContainer()
  try {
    const { port } = new URL(server.vaultUrl)
    const der = await new Promise<Buffer>((resolve, reject) => {
      // Reading the certificate to trust it: nothing is sent over this connection.
      const socket = connect({
        host: '127.0.0.1',
        port: Number(port),
        servername: 'localhost',
        rejectUnauthorized: false,
      })
      socket.once('secureConnect', () => {
        resolve(socket.getPeerCertificate().raw)
        socket.destroy()
      })
      socket.once('error', reject)
    })
    const base64 = der.toString('base64').replace(/.{64}/g, '$&\n')
    return `-----BEGIN CERTIFICATE-----\n${base64.trimEnd()}\n-----END CERTIFICATE-----\n`
  } finally {
    await server.stop()
  }
}
