import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import type { KmsAdapter } from '@pme/core'
import type { FaultTuning, ItMode, KmsAccess, KmsBackend, RunningBackend } from '../backend.js'
import { openbaoEnvScript } from '../vault/openbao-process.js'
import { transitPolicy, VaultAdmin } from '../vault/vault-admin.js'
import { type VaultTarget, vaultTarget } from '../vault/vault-endpoint.js'

/** Every key the harness creates starts with this, so one policy glob covers them. */
const KEY_PREFIX = 'pme-it'

/** The running Vault backend; `admin` and `target` are for Vault-only tests. */
export class VaultRunningBackend implements RunningBackend {
  readonly name = 'vault'
  readonly baseUrl: string
  readonly #keys: string[] = []
  readonly #policies: string[] = []

  private constructor(
    readonly mode: ItMode,
    readonly adapter: KmsAdapter,
    readonly target: VaultTarget,
    readonly admin: VaultAdmin,
    readonly access: KmsAccess,
  ) {
    this.baseUrl = target.address
  }

  static async start(mode: ItMode): Promise<VaultRunningBackend> {
    const adapter = (await import('@pme/kms-vault')) as KmsAdapter
    const target = await vaultTarget(mode)
    try {
      const admin = new VaultAdmin(target.address, target.rootToken, target.mount, target.namespace)
      if (target.ephemeral) await admin.ensureTransit()
      const policy = `${KEY_PREFIX}-user-${randomBytes(4).toString('hex')}`
      await admin.writePolicy(policy, transitPolicy(target.mount, `${KEY_PREFIX}-*`))
      const token = await admin.createToken([policy])
      const backend = new VaultRunningBackend(mode, adapter, target, admin, accessFor(target, token, target.address))
      backend.#policies.push(policy)
      return backend
    } catch (error) {
      await target.stop()
      throw error
    }
  }

  /** A principal with this token: what pme.config.json's kms section would hold. */
  accessWith(token: string, settings: Record<string, string> = {}): KmsAccess {
    return accessFor(this.target, token, this.target.address, settings)
  }

  async createMasterKey(): Promise<string> {
    const name = await this.admin.createKey(KEY_PREFIX)
    this.#keys.push(name)
    return name
  }

  rotateMasterKey(masterKeyId: string): Promise<void> {
    return this.admin.rotateKey(masterKeyId)
  }

  /** A token whose policy covers only another key name: Vault answers 403 for `masterKeyId`. */
  async deniedAccess(masterKeyId: string): Promise<KmsAccess> {
    const policy = `${KEY_PREFIX}-denied-${randomBytes(4).toString('hex')}`
    await this.admin.writePolicy(policy, transitPolicy(this.target.mount, `${masterKeyId}-other`))
    this.#policies.push(policy)
    return accessFor(this.target, await this.admin.createToken([policy]), this.target.address)
  }

  accessVia(baseUrl: string, tuning?: FaultTuning): KmsAccess {
    const token = this.access.connection.keyAccessToken as string
    return accessFor(this.target, token, baseUrl, tuning ? tuned(tuning) : {})
  }

  /** `vault:v3:...` → 3. */
  keyVersionOf(wrapped: string): number | undefined {
    const match = /^vault:v(\d+):/.exec(wrapped)
    return match ? Number(match[1]) : undefined
  }

  async stop(): Promise<void> {
    if (!this.target.ephemeral) {
      for (const key of this.#keys) await this.admin.deleteKey(key).catch(() => {})
      for (const policy of this.#policies) await this.admin.deletePolicy(policy).catch(() => {})
    }
    await this.target.stop()
  }
}

function tuned(tuning: FaultTuning): Record<string, string> {
  return {
    retryAttempts: String(tuning.attempts),
    requestTimeoutMs: String(tuning.requestTimeoutMs),
    retryBaseDelayMs: '20',
    retryMaxDelayMs: '100',
  }
}

function accessFor(
  target: VaultTarget,
  token: string,
  address: string,
  settings: Record<string, string> = {},
): KmsAccess {
  return {
    connection: {
      kmsInstanceUrl: address,
      kmsInstanceId: target.mount === 'transit' ? 'DEFAULT' : target.mount,
      keyAccessToken: token,
    },
    settings: { ...(target.namespace ? { namespace: target.namespace } : {}), ...settings },
  }
}

export const backend: KmsBackend = {
  name: 'vault',
  prepare(mode) {
    if (mode !== 'process') return
    const run = spawnSync('bash', [openbaoEnvScript], { encoding: 'utf8' })
    if (run.error || run.status !== 0)
      throw new Error(`vault backend: ${openbaoEnvScript} failed: ${run.error?.message ?? run.stderr.trim()}`)
    console.log(`[kms] ${run.stdout.trim()}`)
  },
  start: (mode) => VaultRunningBackend.start(mode),
}
