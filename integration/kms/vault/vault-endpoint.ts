import { randomBytes } from 'node:crypto'
import { Wait } from 'testcontainers'
import type { ItMode } from '../backend.js'
import { startContainer } from '../containers.js'
import { startOpenBao, type VaultServer } from './openbao-process.js'

/** Where the suite's Vault is and who administers it; `stop` releases what the mode started. */
export interface VaultTarget extends VaultServer {
  readonly mount: string
  readonly namespace: string | undefined
  /** True when the harness owns the server (it may reconfigure the mount; keys vanish on stop). */
  readonly ephemeral: boolean
}

/** docker mode image: the OpenBao release that process mode installs from PyPI. */
export const DEFAULT_VAULT_IMAGE = 'openbao/openbao:2.7.2'

function required(name: string): string {
  const value = process.env[name]
  if (!value) throw new Error(`PME_IT_MODE=external needs ${name} (see integration/kms/README.md)`)
  return value
}

/** Vault (or OpenBao) in dev mode in a container; the image's entry point takes `server -dev ...`. */
async function startVaultContainer(): Promise<VaultServer> {
  const image = process.env.PME_IT_VAULT_IMAGE || DEFAULT_VAULT_IMAGE
  const rootToken = `root-${randomBytes(12).toString('hex')}`
  // openbao/openbao and hashicorp/vault run `<bao|vault> server <args>` for `server <args>`; so does pme-openbao.
  const container = await startContainer({
    image,
    port: 8200,
    command: ['server', '-dev', `-dev-root-token-id=${rootToken}`, '-dev-listen-address=0.0.0.0:8200'],
    wait: Wait.forHttp('/v1/sys/health', 8200).forStatusCode(200),
  })
  const address = `http://${container.host}:${container.port}`
  return { address, rootToken, description: `container ${image} at ${address}`, stop: () => container.stop() }
}

/** The Vault the suites run against, in the chosen mode. */
export async function vaultTarget(mode: ItMode): Promise<VaultTarget> {
  if (mode === 'external') {
    const address = required('PME_IT_VAULT_ADDR').replace(/\/+$/, '')
    return {
      address,
      rootToken: required('PME_IT_VAULT_TOKEN'),
      mount: process.env.PME_IT_VAULT_MOUNT || 'transit',
      namespace: process.env.PME_IT_VAULT_NAMESPACE || undefined,
      ephemeral: false,
      description: `external Vault at ${address}`,
      stop: async () => {},
    }
  }
  const server = mode === 'docker' ? await startVaultContainer() : await startOpenBao()
  return { ...server, mount: 'transit', namespace: undefined, ephemeral: true }
}
