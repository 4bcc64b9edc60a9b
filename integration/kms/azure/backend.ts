// Not registered yet: the harness finds backends in kms/backends/. lowkey-vault, the Azure Key Vault
// emulator the issue names, is not on Maven Central (only its client and testcontainers artifacts are),
// so no emulator runs here; move this file to kms/backends/azure.ts once one is available.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity'
import { KeyClient } from '@azure/keyvault-keys'
import type { KmsAdapter } from '@pme/core'
import { staticTokenCredential } from '@pme/kms-azure'
import type { FaultTuning, ItMode, KmsAccess, KmsBackend, RunningBackend } from '../backend.js'
import {
  type LowkeyServer,
  lowkeyCert,
  lowkeyEnvScript,
  startLowkeyContainer,
  startLowkeyProcess,
} from './lowkey-vault.js'

/** Every key the harness creates is named `pme-it-<hex>`. */
const KEY_PREFIX = 'pme-it'
/** lowkey-vault accepts any bearer token. */
const EMULATOR_TOKEN = 'pme-it-any-token'

function required(name: string): string {
  const value = process.env[name]
  if (!value)
    throw new Error(`PME_IT_MODE=external with the azure backend needs ${name} (see integration/kms/README.md)`)
  return value
}

/**
 * The Azure Key Vault backend: lowkey-vault (process, docker) or a real vault (external, PME_IT_AZURE_*).
 * Keys are RSA 2048; rotation = a new version of the same key name (createRsaKey again).
 */
export class AzureRunningBackend implements RunningBackend {
  readonly name = 'azure'
  readonly access: KmsAccess
  readonly #keys = new Map<string, string[]>()
  readonly #admin: KeyClient

  private constructor(
    readonly mode: ItMode,
    readonly adapter: KmsAdapter,
    readonly baseUrl: string,
    readonly server: LowkeyServer | undefined,
    credential: TokenCredential,
    private readonly emulated: boolean,
  ) {
    this.#admin = new KeyClient(baseUrl, credential, { disableChallengeResourceVerification: emulated })
    this.access = this.accessVia(baseUrl)
  }

  static async start(mode: ItMode): Promise<AzureRunningBackend> {
    const adapter = (await import('@pme/kms-azure')) as KmsAdapter
    if (mode === 'external') {
      const vaultUrl = required('PME_IT_AZURE_VAULT_URL').replace(/\/+$/, '')
      return new AzureRunningBackend(mode, adapter, vaultUrl, undefined, new DefaultAzureCredential(), false)
    }
    const server = mode === 'docker' ? await startLowkeyContainer() : await startLowkeyProcess()
    return new AzureRunningBackend(mode, adapter, server.vaultUrl, server, staticTokenCredential(EMULATOR_TOKEN), true)
  }

  async createMasterKey(): Promise<string> {
    const name = `${KEY_PREFIX}-${randomBytes(6).toString('hex')}`
    const key = await this.#admin.createRsaKey(name, { keySize: 2048, keyOps: ['wrapKey', 'unwrapKey'] })
    this.#keys.set(name, [key.properties.version ?? ''])
    return name
  }

  async rotateMasterKey(masterKeyId: string): Promise<void> {
    const key = await this.#admin.createRsaKey(masterKeyId, { keySize: 2048, keyOps: ['wrapKey', 'unwrapKey'] })
    this.#keys.get(masterKeyId)?.push(key.properties.version ?? '')
  }

  /**
   * lowkey-vault accepts every bearer token and has no RBAC or access policies: no principal can be
   * refused. External mode uses PME_IT_AZURE_DENIED_TOKEN (a token of a principal without
   * wrapKey/unwrapKey on the suite's keys).
   */
  async deniedAccess(_masterKeyId: string): Promise<KmsAccess> {
    const token = process.env.PME_IT_AZURE_DENIED_TOKEN
    if (this.emulated || !token)
      throw new Error(
        'GAP azure: lowkey-vault does not check bearer tokens (no RBAC, no access policies), so no principal can be ' +
          'refused; the 403 → KmsAccessDeniedError mapping is covered by @pme/kms-azure unit tests. External mode: set PME_IT_AZURE_DENIED_TOKEN.',
      )
    return this.#access(this.baseUrl, token, {})
  }

  accessVia(baseUrl: string, tuning?: FaultTuning): KmsAccess {
    const settings: Record<string, string> = tuning
      ? {
          retryAttempts: String(tuning.attempts),
          requestTimeoutMs: String(tuning.requestTimeoutMs),
          retryBaseDelayMs: '20',
          retryMaxDelayMs: '100',
        }
      : {}
    return this.#access(baseUrl, this.emulated ? EMULATOR_TOKEN : undefined, settings)
  }

  #access(baseUrl: string, token: string | undefined, settings: Record<string, string>): KmsAccess {
    return {
      connection: { kmsInstanceUrl: baseUrl, ...(token ? { keyAccessToken: token } : {}) },
      settings: {
        ...(token ? { credential: 'accessToken' } : {}),
        ...(this.emulated ? { disableChallengeResourceVerification: 'true' } : {}),
        ...settings,
      },
    }
  }

  /** The ordinal (1, 2, ...) of the key version a wrapped key names, among the versions this harness made. */
  keyVersionOf(wrapped: string): number | undefined {
    try {
      const kid = (JSON.parse(wrapped) as { kid?: string }).kid ?? ''
      const [, name, version] = /\/keys\/([^/]+)\/([^/]+)$/.exec(kid) ?? []
      const index = this.#keys.get(name ?? '')?.indexOf(version ?? '') ?? -1
      return index >= 0 ? index + 1 : undefined
    } catch {
      return undefined
    }
  }

  async stop(): Promise<void> {
    if (this.mode === 'external')
      for (const name of this.#keys.keys()) await this.#admin.beginDeleteKey(name).catch(() => undefined)
    await this.server?.stop()
  }
}

export const backend: KmsBackend = {
  name: 'azure',
  prepare(mode) {
    if (mode === 'external') return
    if (mode === 'process') {
      const run = spawnSync('bash', [lowkeyEnvScript], { encoding: 'utf8' })
      if (run.error || run.status !== 0)
        throw new Error(`azure backend: ${lowkeyEnvScript} failed: ${run.error?.message ?? run.stderr.trim()}`)
      console.log(`[kms] ${run.stdout.trim()}`)
    }
    // Trust lowkey-vault's self-signed certificate in the test workers and the CLI they spawn (only there).
    if (existsSync(lowkeyCert)) process.env.NODE_EXTRA_CA_CERTS ??= lowkeyCert
  },
  start: (mode) => AzureRunningBackend.start(mode),
}
