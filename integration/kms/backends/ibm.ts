import { randomBytes, randomUUID } from 'node:crypto'
import type { KmsAdapter } from '@pme/core'
import { Wait } from 'testcontainers'
import type { FaultTuning, ItMode, KmsAccess, KmsBackend, RunningBackend } from '../backend.js'
import { startContainer } from '../containers.js'
import { FakeKeyProtect, type KpRole } from '../ibm/fake-key-protect.js'
import { KeyProtectAdmin } from '../ibm/kp-admin.js'

/** Every root key the harness creates is named `pme-it-<hex>`. */
const KEY_PREFIX = 'pme-it'
const PUBLIC_IAM_URL = 'https://iam.cloud.ibm.com/identity/token'
/** docker mode image of the fake (setup/build-images.sh builds it; no Key Protect image exists). */
const DEFAULT_FAKE_IMAGE = 'localhost/pme-ibm-fake:latest'

/**
 * The fake's principals: the suites' (Writer on the instance: it also creates and rotates keys) and
 * a service ID whose only role is Reader on a key that is not the suites' (IAM lets it log in).
 */
type FakePrincipal = 'user' | 'denied'
type FakeGrant = { role: KpRole; keys?: string[] }
const FAKE_GRANTS: [FakePrincipal, FakeGrant][] = [
  ['user', { role: 'Writer' }],
  ['denied', { role: 'Reader', keys: ['00000000-0000-4000-8000-000000000000'] }],
]

/**
 * Where the suites' Key Protect is. process mode: the FAKE (integration/kms/ibm/fake-key-protect.ts,
 * written from IBM's published API; no emulator exists) started in the test worker on a free
 * loopback port. docker mode: the same fake in a container (the pme-ibm-fake image, built by
 * setup/build-images.sh). external mode: a real instance from PME_IT_IBM_* variables.
 */
interface IbmTarget {
  readonly instanceUrl: string
  readonly instanceId: string
  readonly iamUrl: string
  /** API key of the principal the suites use (Writer or Manager: it also creates and rotates keys). */
  readonly apiKey: string
  readonly deniedApiKey: () => Promise<string>
  readonly keyPool: string[]
  /** True for the fake (process and docker): its ciphertexts say their key version. */
  readonly fake: boolean
  readonly description: string
  stop(): Promise<void>
}

function required(name: string): string {
  const value = process.env[name]
  if (!value)
    throw new Error(`PME_IT_MODE=external needs ${name} for the ibm backend (see integration/kms/ibm/README.md)`)
  return value
}

interface FakeServer {
  readonly url: string
  readonly description: string
  stop(): Promise<void>
}

type FakeKeys = Record<FakePrincipal, string>

async function startFakeProcess(instanceId: string, apiKeys: FakeKeys): Promise<FakeServer> {
  const fake = new FakeKeyProtect({ instanceId })
  for (const [who, grant] of FAKE_GRANTS) fake.addApiKey(apiKeys[who], grant.role, grant.keys)
  const url = await fake.start()
  return {
    url,
    description: `FAKE Key Protect (integration/kms/ibm/fake-key-protect.ts) at ${url}`,
    stop: () => fake.stop(),
  }
}

async function startFakeContainer(instanceId: string, apiKeys: FakeKeys): Promise<FakeServer> {
  const image = process.env.PME_IT_IBM_IMAGE || DEFAULT_FAKE_IMAGE
  const grants = Object.fromEntries(FAKE_GRANTS.map(([who, grant]) => [apiKeys[who], grant]))
  const container = await startContainer({
    image,
    port: 8080,
    env: { PME_FAKE_KP_INSTANCE_ID: instanceId, PME_FAKE_KP_API_KEYS: JSON.stringify(grants) },
    wait: Wait.forLogMessage(/listening on/),
  })
  const url = `http://${container.host}:${container.port}`
  return { url, description: `FAKE Key Protect in container ${image} at ${url}`, stop: () => container.stop() }
}

async function ibmTarget(mode: ItMode): Promise<IbmTarget> {
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
      fake: false,
      description: `external Key Protect at ${instanceUrl}`,
      stop: async () => {},
    }
  }
  const instanceId = randomUUID()
  const apiKeys = { user: randomBytes(30).toString('base64url'), denied: randomBytes(30).toString('base64url') }
  const server =
    mode === 'docker' ? await startFakeContainer(instanceId, apiKeys) : await startFakeProcess(instanceId, apiKeys)
  return {
    instanceUrl: server.url,
    instanceId,
    iamUrl: `${server.url}/identity/token`,
    apiKey: apiKeys.user,
    deniedApiKey: async () => apiKeys.denied,
    keyPool: [],
    fake: true,
    description: server.description,
    stop: () => server.stop(),
  }
}

/** The running IBM Key Protect backend; `target.fake` is true in process and docker mode (IBM verified against the fake). */
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
    if (mode !== 'external')
      console.log(`[kms] ibm backend: ${mode} mode uses the FAKE Key Protect (no emulator exists)`)
  },
  start: (mode) => IbmRunningBackend.start(mode),
}
