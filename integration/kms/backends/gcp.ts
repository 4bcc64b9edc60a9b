import { spawnSync } from 'node:child_process'
import type { KmsAdapter } from '@pme/core'
import type { FaultInjector, FaultTuning, ItMode, KmsAccess, KmsBackend, RunningBackend } from '../backend.js'
import { fakeCloudKmsEnvScript, gcpEmulator } from '../gcp/fake-kms-process.js'
import { type GcpTarget, gcpTarget } from '../gcp/gcp-target.js'
import { GrpcFaultProxy } from '../gcp/grpc-fault-proxy.js'

/** Every key the harness creates starts with this. */
const KEY_PREFIX = 'pme-it'

/**
 * The Google Cloud KMS backend (gRPC). Process mode: the harness's Cloud KMS fake (default) or
 * fake-cloud-kms (PME_IT_GCP_EMULATOR=fake-cloud-kms); docker: fake-cloud-kms's image (default) or
 * the pme-gcp-fake image (PME_IT_GCP_EMULATOR=pme-fake); external:
 * a real key ring. Master key ids are CryptoKey resource names. Faults are injected by an HTTP/2
 * proxy (gRPC), not the HTTP/1.1 FaultProxy.
 */
export class GcpRunningBackend implements RunningBackend {
  readonly name = 'gcp'
  readonly baseUrl: string
  readonly access: KmsAccess
  readonly cannotDeny: string | undefined
  readonly #keys: string[] = []

  private constructor(
    readonly mode: ItMode,
    readonly adapter: KmsAdapter,
    readonly target: GcpTarget,
  ) {
    this.baseUrl = target.endpoint ?? 'https://cloudkms.googleapis.com'
    this.access = this.accessWith(target.userToken)
    this.cannotDeny = target.noIam ? target.noDeniedReason : undefined
  }

  static async start(mode: ItMode): Promise<GcpRunningBackend> {
    const adapter = (await import('@pme/kms-gcp')) as KmsAdapter
    return new GcpRunningBackend(mode, adapter, await gcpTarget(mode))
  }

  /** What pme.config.json's kms section would hold for this bearer token (none: ADC). */
  accessWith(
    token: string | undefined,
    settings: Record<string, string> = {},
    endpoint = this.target.endpoint,
  ): KmsAccess {
    return {
      connection: token ? { keyAccessToken: token } : {},
      settings: { ...(endpoint ? { endpoint } : {}), ...settings },
    }
  }

  async createMasterKey(): Promise<string> {
    const name = await this.target.admin.createKey(this.target.keyRing, KEY_PREFIX)
    this.#keys.push(name)
    return name
  }

  /** A new CryptoKeyVersion, made primary; ciphertexts of older versions still decrypt. */
  async rotateMasterKey(masterKeyId: string): Promise<void> {
    const before = await this.target.admin.primaryVersion(masterKeyId)
    const id = await this.target.admin.rotateKey(masterKeyId)
    if (id === before || (await this.target.admin.primaryVersion(masterKeyId)) !== id) {
      throw new Error(`rotating ${masterKeyId} did not make a new primary version`)
    }
  }

  /** A bearer token whose member has no role on the key ring (pme fake: IAM enforced). */
  async deniedAccess(_masterKeyId: string): Promise<KmsAccess> {
    if (!this.target.deniedToken) {
      throw new Error(`gcp backend: no principal without permission here (${this.target.noDeniedReason})`)
    }
    return this.accessWith(this.target.deniedToken)
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
    return this.accessWith(this.target.userToken, settings, baseUrl)
  }

  /** gRPC runs over HTTP/2: faults come from an HTTP/2 proxy (503 as HTTP status, 429 as RESOURCE_EXHAUSTED). */
  createFaultProxy(): FaultInjector {
    return new GrpcFaultProxy(this.baseUrl)
  }

  async stop(): Promise<void> {
    if (!this.target.ephemeral) {
      for (const key of this.#keys) await this.target.admin.destroyKey(key).catch(() => {})
    }
    await this.target.stop()
  }
}

export const backend: KmsBackend = {
  name: 'gcp',
  prepare(mode) {
    if (mode !== 'process' || gcpEmulator(mode) !== 'fake-cloud-kms') return
    const run = spawnSync('bash', [fakeCloudKmsEnvScript], { encoding: 'utf8' })
    if (run.error || run.status !== 0)
      throw new Error(`gcp backend: ${fakeCloudKmsEnvScript} failed: ${run.error?.message ?? run.stderr.trim()}`)
    console.log(`[kms] ${run.stdout.trim()}`)
  },
  start: (mode) => GcpRunningBackend.start(mode),
}
