import { spawnSync } from 'node:child_process'
import type { KmsAdapter } from '@pme/core'
import type { Principal } from '../aws/aws-admin.js'
import { type AwsTarget, awsTarget } from '../aws/aws-target.js'
import { motoEnvScript } from '../aws/moto-server.js'
import type { FaultTuning, ItMode, KmsAccess, KmsBackend, RunningBackend } from '../backend.js'

/** Every alias the harness creates starts with `alias/pme-it-`. */
const KEY_PREFIX = 'pme-it'

/**
 * An AWS KMS backend through @pme/kms-aws: `aws` (moto server in process and docker modes, or a
 * real account in external mode) and `localstack` (backends/localstack.ts). Master key ids handed
 * to the suites are aliases (`alias/pme-it-<hex>`).
 */
export class AwsRunningBackend implements RunningBackend {
  readonly baseUrl: string
  readonly access: KmsAccess
  /** The config file's kms.type: the adapter, whatever emulates AWS. */
  readonly kmsType = 'aws'
  readonly cannotDeny: string | undefined
  #pool: string[]

  private constructor(
    readonly name: string,
    readonly mode: ItMode,
    readonly adapter: KmsAdapter,
    readonly target: AwsTarget,
  ) {
    this.baseUrl = target.endpoint ?? `https://kms.${target.region}.amazonaws.com`
    this.access = this.accessWith(target.user)
    this.cannotDeny = target.cannotDeny
    this.#pool = [...target.keyPool]
  }

  /** Backend `name` over the AWS KMS that `target` yields (default: moto, or the external account). */
  static async start(mode: ItMode, name = 'aws', target = awsTarget): Promise<AwsRunningBackend> {
    const adapter = (await import('@pme/kms-aws')) as KmsAdapter
    return new AwsRunningBackend(name, mode, adapter, await target(mode))
  }

  /** What pme.config.json's kms section would hold for `principal` (endpoint: the target's unless given). */
  accessWith(principal: Principal, settings: Record<string, string> = {}, endpoint = this.target.endpoint): KmsAccess {
    return {
      connection: {},
      settings: { region: this.target.region, ...(endpoint ? { endpoint } : {}), ...principal, ...settings },
    }
  }

  async createMasterKey(): Promise<string> {
    const pooled = this.#pool.shift()
    if (pooled) return pooled
    return this.target.admin.createKey(KEY_PREFIX)
  }

  /**
   * RotateKeyOnDemand: AWS makes new key material current under the same key id and keeps the old
   * material for decryption. moto 5.2 accepts the call and lists the rotation (ListKeyRotations)
   * but keeps the same material, so against moto this checks the API path, not new material, and
   * confirms with ListKeyRotations that moto recorded it. LocalStack rotates the material but has no
   * ListKeyRotations ("not yet emulated"); AWS's own answer to RotateKeyOnDemand is enough.
   */
  async rotateMasterKey(masterKeyId: string): Promise<void> {
    await this.target.admin.rotateKey(masterKeyId)
    if (!this.target.listsRotations) return
    const rotations = await this.target.admin.rotationCount(masterKeyId)
    if (rotations < 1) throw new Error(`RotateKeyOnDemand on ${masterKeyId} left no rotation listed`)
  }

  /** moto: an IAM user allowed only kms:DescribeKey (IAM auth mode on); external: PME_IT_AWS_DENIED_*. */
  async deniedAccess(_masterKeyId: string): Promise<KmsAccess> {
    return this.accessWith(await this.target.deniedPrincipal())
  }

  accessVia(baseUrl: string, tuning?: FaultTuning): KmsAccess {
    const settings: Record<string, string> = tuning
      ? { maxAttempts: String(tuning.attempts), requestTimeoutMs: String(tuning.requestTimeoutMs) }
      : {}
    return this.accessWith(this.target.user, settings, baseUrl)
  }

  async stop(): Promise<void> {
    await this.target.stop()
  }
}

export const backend: KmsBackend = {
  name: 'aws',
  prepare(mode) {
    if (mode !== 'process') return
    const run = spawnSync('bash', [motoEnvScript], { encoding: 'utf8' })
    if (run.error || run.status !== 0)
      throw new Error(`aws backend: ${motoEnvScript} failed: ${run.error?.message ?? run.stderr.trim()}`)
    console.log(`[kms] ${run.stdout.trim()}`)
  },
  start: (mode) => AwsRunningBackend.start(mode),
}
