import { randomBytes } from 'node:crypto'
import type { KmsAdapter } from '@pme/core'
import type { FaultTuning, ItMode, KmsAccess, KmsBackend, RunningBackend } from '../backend.js'
import { FakeKeyProtect } from '../ibm/fake-key-protect.js'
import { KeyProtectAdmin } from '../ibm/kp-admin.js'

/** Every root key the harness creates is named `pme-it-<hex>`. */
const KEY_PREFIX = 'pme-it'
const PUBLIC_IAM_URL = 'https://iam.cloud.ibm.com/identity/token'

/**
 * Where the suites' Key Protect is. process mode: the FAKE (integration/kms/ibm/fake-key-protect.ts,
 * written from IBM's published API; no emulator exists) started in the test worker on a free
 * loopback port. external mode: a real instance from PME_IT_IBM_* variables. docker mode: not
 * applicable (there is no Key Protect image), refused with a message.
 */
interface IbmTarget {
  readonly instanceUrl: string
  readonly instanceId: string
  readonly iamUrl: string
  /** API key of the principal the suites use (Writer or Manager: it also creates and rotates keys). */
  readonly apiKey: string
  readonly deniedApiKey: () => Promise<string>
  readonly keyPool: string[]
  readonly fake: FakeKeyProtect | undefined
  readonly description: string
  stop(): Promise<void>
}

function required(name: string): string {
  const value = process.env[name]
  if (!value)
    throw new Error(`PME_IT_MODE=external needs ${name} for the ibm backend (see integration/kms/ibm/README.md)`)
  return value
}

async function ibmTarget(mode: ItMode): Promise<IbmTarget> {
  if (mode === 'docker')
    throw new Error(
      'ibm backend: docker mode is not applicable (no IBM Key Protect image or emulator exists); use PME_IT_MODE=process (the fake) or external (a real instance)',
    )
  if (mode === 'external') {
    const instanceUrl = required('PME_IT_IBM_INSTANCE_URL').replace(/\/+$/, '')
    const deniedApiKey = process.env.PME_IT_IBM_DENIED_API_KEY
    return {
      instanceUrl,
      instanceId: required('PME_IT_IBM_INSTANCE_ID'),
      iamUrl: process.env.PME_IT_IBM_IAM_URL || PUBLIC_IAM_URL,
      apiKey: required('PME_IT_IBM_API_KEY'),
      deniedApiKey: async () => {
        if (!deniedApiKey) throw new Error('the access-denied test needs PME_IT_IBM_DENIED_API_KEY in external mode')
        return deniedApiKey
      },
      keyPool: (process.env.PME_IT_IBM_ROOT_KEY_IDS ?? '')
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean),
      fake: undefined,
      description: `external Key Protect at ${instanceUrl}`,
      stop: async () => {},
    }
  }
  const fake = new FakeKeyProtect()
  const url = await fake.start()
  return {
    instanceUrl: url,
    instanceId: fake.instanceId,
    iamUrl: fake.iamUrl,
    apiKey: fake.createApiKey('Writer'),
    // A service ID whose only role is Reader on a key that is not the suites' (IAM lets it log in).
    deniedApiKey: async () => fake.createApiKey('Reader', ['00000000-0000-4000-8000-000000000000']),
    keyPool: [],
    fake,
    description: `FAKE Key Protect (integration/kms/ibm/fake-key-protect.ts) at ${url}`,
    stop: () => fake.stop(),
  }
}

/** The running IBM Key Protect backend; `target.fake` is set in process mode (IBM verified against the fake). */
export class IbmRunningBackend implements RunningBackend {
  readonly name = 'ibm'
  readonly baseUrl: string
  readonly access: KmsAccess
  readonly admin: KeyProtectAdmin
  readonly #created: string[] = []

  private constructor(
    readonly mode: ItMode,
    readonly adapter: KmsAdapter,
    readonly target: IbmTarget,
  ) {
    this.baseUrl = target.instanceUrl
    this.admin = new KeyProtectAdmin(target.instanceUrl, target.instanceId, target.apiKey, target.iamUrl)
    this.access = this.accessWith(target.apiKey)
  }

  static async start(mode: ItMode): Promise<IbmRunningBackend> {
    const adapter = (await import('@pme/kms-ibm')) as KmsAdapter
    const target = await ibmTarget(mode)
    console.log(`[kms] ibm backend: ${target.description}`)
    return new IbmRunningBackend(mode, adapter, target)
  }

  /** What pme.config.json's kms section holds for this API key (as the access token). */
  accessWith(apiKey: string, settings: Record<string, string> = {}, instanceUrl = this.target.instanceUrl): KmsAccess {
    return {
      connection: { kmsInstanceUrl: instanceUrl, kmsInstanceId: this.target.instanceId, keyAccessToken: apiKey },
      settings: { iamUrl: this.target.iamUrl, ...settings },
    }
  }

  async createMasterKey(): Promise<string> {
    const pooled = this.target.keyPool.shift()
    if (pooled) return pooled
    const id = await this.admin.createRootKey(`${KEY_PREFIX}-${randomBytes(6).toString('hex')}`)
    this.#created.push(id)
    return id
  }

  /** `POST /api/v2/keys/<id>/actions/rotate`. A real instance allows one rotation per key per hour. */
  rotateMasterKey(masterKeyId: string): Promise<void> {
    return this.admin.rotate(masterKeyId)
  }

  async deniedAccess(_masterKeyId: string): Promise<KmsAccess> {
    return this.accessWith(await this.target.deniedApiKey())
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
    return this.accessWith(this.target.apiKey, settings, baseUrl)
  }

  /** Only the fake's ciphertext says its version; a real Key Protect ciphertext is opaque. */
  keyVersionOf(wrapped: string): number | undefined {
    return this.target.fake ? FakeKeyProtect.versionOf(wrapped) : undefined
  }

  async stop(): Promise<void> {
    if (!this.target.fake) for (const id of this.#created) await this.admin.deleteKey(id).catch(() => {})
    await this.target.stop()
  }
}

export const backend: KmsBackend = {
  name: 'ibm',
  prepare(mode) {
    if (mode === 'process')
      console.log('[kms] ibm backend: process mode uses the FAKE Key Protect (no emulator exists)')
  },
  skipReason: (mode) =>
    mode === 'docker'
      ? 'docker mode is not applicable to IBM Key Protect (no image or emulator exists): use process (the fake) or external'
      : undefined,
  start: (mode) => IbmRunningBackend.start(mode),
}
