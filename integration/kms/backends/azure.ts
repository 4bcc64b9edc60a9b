import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity'
import { KeyClient } from '@azure/keyvault-keys'
import type { KmsAdapter } from '@pme/core'
import { staticTokenCredential } from '@pme/kms-azure'
import { Wait } from 'testcontainers'
import {
  ALL_KEY_PERMISSIONS,
  FakeKeyVault,
  type FakeTls,
  type KeyPermission,
  makeThrowawayCertificate,
  readTls,
  writeCaBundle,
} from '../azure/fake-key-vault.js'
import {
  lowkeyCert,
  lowkeyEnvScript,
  lowkeyImageCertificate,
  startLowkeyContainer,
  startLowkeyProcess,
} from '../azure/lowkey-vault.js'
import type { FaultInjector, FaultTuning, ItMode, KmsAccess, KmsBackend, RunningBackend } from '../backend.js'
import { startContainer } from '../containers.js'
import { FaultProxy } from '../fault-proxy.js'

/** Every key the harness creates is named `pme-it-<hex>`. */
const KEY_PREFIX = 'pme-it'
/** lowkey-vault accepts any bearer token. */
const EMULATOR_TOKEN = 'pme-it-any-token'

/** Where prepare() put the fake's throwaway TLS key and certificate (inherited by the test workers). */
const FAKE_TLS_DIR_VARIABLE = 'PME_IT_AZURE_FAKE_TLS_DIR'
/** docker mode image of the fake (setup/build-images.sh builds it; there is no public one). */
const DEFAULT_FAKE_IMAGE = 'localhost/pme-azure-fake:latest'

/**
 * The fake's principals: an administrator, the suites' principal (what the adapter's README asks
 * for: wrapKey, unwrapKey, on every key; no get, so every suite shows the adapter never reads a key
 * unless localWrap is set) and one whose permissions are on another key only (refused, 403, on the
 * suites' keys).
 */
type FakeRole = 'admin' | 'user' | 'denied' | 'reader'
type FakeGrant = { permissions: readonly KeyPermission[]; keys?: string[] }
const FAKE_GRANTS: [FakeRole, FakeGrant][] = [
  ['admin', { permissions: ALL_KEY_PERMISSIONS }],
  ['user', { permissions: ['wrapKey', 'unwrapKey'] }],
  ['denied', { permissions: ['get', 'wrapKey', 'unwrapKey'], keys: ['pme-it-not-this-key'] }],
  // what the adapter's localWrap setting needs: get and unwrapKey, no wrapKey
  ['reader', { permissions: ['get', 'unwrapKey'] }],
]

function required(name: string): string {
  const value = process.env[name]
  if (!value)
    throw new Error(`PME_IT_MODE=external with the azure backend needs ${name} (see integration/kms/README.md)`)
  return value
}

type AzureEmulator = 'lowkey-vault' | 'pme-fake'

/**
 * What serves the vault. docker: PME_IT_AZURE_EMULATOR says what PME_IT_AZURE_IMAGE runs (default
 * lowkey-vault, the default image's; `pme-fake` for the pme-azure-fake image). process: the fake,
 * or lowkey-vault when PME_LOWKEY_VAULT_JAR names its jar (opt-in).
 */
function azureEmulator(mode: ItMode): AzureEmulator {
  if (mode !== 'docker') return process.env.PME_LOWKEY_VAULT_JAR ? 'lowkey-vault' : 'pme-fake'
  const value = process.env.PME_IT_AZURE_EMULATOR || 'lowkey-vault'
  if (value !== 'lowkey-vault' && value !== 'pme-fake')
    throw new Error(`PME_IT_AZURE_EMULATOR must be lowkey-vault or pme-fake (got "${value}")`)
  return value
}

function usesLowkey(mode: ItMode): boolean {
  return mode !== 'external' && azureEmulator(mode) === 'lowkey-vault'
}

interface FakeServer {
  readonly vaultUrl: string
  readonly description: string
  stop(): Promise<void>
}

/** The fake in this worker, on a free loopback port. */
async function startFakeProcess(tls: FakeTls, tokens: Record<FakeRole, string>): Promise<FakeServer> {
  const fake = new FakeKeyVault(tls)
  for (const [role, grant] of FAKE_GRANTS) fake.addPrincipal(tokens[role], grant.permissions, grant.keys)
  const vaultUrl = await fake.start()
  return {
    vaultUrl,
    description: `FAKE Azure Key Vault (integration/kms/azure/fake-key-vault.ts) at ${vaultUrl}`,
    stop: () => fake.stop(),
  }
}

/** The fake in a container (PME_IT_AZURE_IMAGE, the pme-azure-fake image), serving the same certificate. */
async function startFakeContainer(tls: FakeTls, tokens: Record<FakeRole, string>): Promise<FakeServer> {
  const image = process.env.PME_IT_AZURE_IMAGE || DEFAULT_FAKE_IMAGE
  const principals = Object.fromEntries(FAKE_GRANTS.map(([role, grant]) => [tokens[role], grant]))
  const container = await startContainer({
    image,
    port: 8443,
    env: { PME_FAKE_KV_PRINCIPALS: JSON.stringify(principals), PME_FAKE_KV_TLS_DIR: '/pme/tls' },
    contents: [
      { content: tls.key, target: '/pme/tls/key.pem' },
      { content: tls.cert, target: '/pme/tls/cert.pem' },
    ],
    wait: Wait.forLogMessage(/listening on/),
  })
  const vaultUrl = `https://${container.host}:${container.port}`
  return {
    vaultUrl,
    description: `FAKE Azure Key Vault in container ${image} at ${vaultUrl}`,
    stop: () => container.stop(),
  }
}

/**
 * Where the suites' Key Vault is. process mode: the FAKE (integration/kms/azure/fake-key-vault.ts,
 * written from the Key Vault REST API as the SDK sends it) over HTTPS on a free loopback port, or
 * lowkey-vault when PME_LOWKEY_VAULT_JAR is set; docker: lowkey-vault's image; external: a real vault.
 */
interface AzureTarget {
  readonly vaultUrl: string
  /** Creates and rotates keys. */
  readonly adminCredential: TokenCredential
  /** The suites' principal as a static bearer token; undefined = DefaultAzureCredential (external). */
  readonly userToken: string | undefined
  readonly deniedToken: () => Promise<string>
  /** The fake only: a principal with keys get and unwrapKey, no wrapKey (the localWrap setting's needs). */
  readonly readerToken?: string
  /** Why no principal can be refused (lowkey-vault checks no tokens). */
  readonly cannotDeny?: string
  /** Skip the challenge resource check (the vault is not under vault.azure.net). */
  readonly emulated: boolean
  /** The TLS material the fake serves with (the fault proxy serves the same certificate). */
  readonly tls: FakeTls | undefined
  readonly description: string
  stop(): Promise<void>
}

const LOWKEY_CANNOT_DENY =
  'lowkey-vault checks no bearer tokens (no RBAC, no access policies), so no principal can be refused; ' +
  'the fake (PME_IT_AZURE_EMULATOR=pme-fake) checks them'

async function azureTarget(mode: ItMode): Promise<AzureTarget> {
  if (mode === 'external') {
    const vaultUrl = required('PME_IT_AZURE_VAULT_URL').replace(/\/+$/, '')
    const denied = process.env.PME_IT_AZURE_DENIED_TOKEN
    return {
      vaultUrl,
      adminCredential: new DefaultAzureCredential(),
      userToken: undefined,
      deniedToken: async () => {
        if (!denied) throw new Error('the access-denied test needs PME_IT_AZURE_DENIED_TOKEN in external mode')
        return denied
      },
      emulated: false,
      tls: undefined,
      description: `external Key Vault at ${vaultUrl}`,
      stop: async () => {},
    }
  }
  if (usesLowkey(mode)) {
    const server = mode === 'docker' ? await startLowkeyContainer() : await startLowkeyProcess()
    return {
      vaultUrl: server.vaultUrl,
      adminCredential: staticTokenCredential(EMULATOR_TOKEN),
      userToken: EMULATOR_TOKEN,
      deniedToken: async () => {
        throw new Error(`azure: ${LOWKEY_CANNOT_DENY}`)
      },
      cannotDeny: LOWKEY_CANNOT_DENY,
      emulated: true,
      tls: undefined,
      description: server.description,
      stop: () => server.stop(),
    }
  }
  const tlsDir = process.env[FAKE_TLS_DIR_VARIABLE]
  if (!tlsDir || !existsSync(tlsDir))
    throw new Error(
      `azure backend: no TLS material for the fake Key Vault (${FAKE_TLS_DIR_VARIABLE} unset): the KMS global setup makes it (kms/global-setup.ts → backend.prepare)`,
    )
  const tls = readTls(tlsDir)
  const token = () => `fake-kv-token-${randomBytes(24).toString('base64url')}`
  const tokens = { admin: token(), user: token(), denied: token(), reader: token() }
  const server = mode === 'docker' ? await startFakeContainer(tls, tokens) : await startFakeProcess(tls, tokens)
  return {
    vaultUrl: server.vaultUrl,
    adminCredential: staticTokenCredential(tokens.admin),
    userToken: tokens.user,
    deniedToken: async () => tokens.denied,
    readerToken: tokens.reader,
    emulated: true,
    tls,
    description: server.description,
    stop: () => server.stop(),
  }
}

/**
 * The Azure Key Vault backend: the fake (process; docker with PME_IT_AZURE_EMULATOR=pme-fake),
 * lowkey-vault (docker by default; process with PME_LOWKEY_VAULT_JAR) or a real vault (external,
 * PME_IT_AZURE_*). Keys are RSA 2048; rotation = a new version of
 * the same key name (createRsaKey again).
 */
export class AzureRunningBackend implements RunningBackend {
  readonly name = 'azure'
  readonly access: KmsAccess
  readonly baseUrl: string
  readonly cannotDeny: string | undefined
  readonly #keys = new Map<string, string[]>()
  readonly #admin: KeyClient

  private constructor(
    readonly mode: ItMode,
    readonly adapter: KmsAdapter,
    readonly target: AzureTarget,
  ) {
    this.baseUrl = target.vaultUrl
    this.cannotDeny = target.cannotDeny
    this.#admin = new KeyClient(target.vaultUrl, target.adminCredential, {
      disableChallengeResourceVerification: target.emulated,
    })
    this.access = this.accessVia(target.vaultUrl)
  }

  static async start(mode: ItMode): Promise<AzureRunningBackend> {
    const adapter = (await import('@pme/kms-azure')) as KmsAdapter
    const target = await azureTarget(mode)
    console.log(`[kms] azure backend: ${target.description}`)
    return new AzureRunningBackend(mode, adapter, target)
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

  /** Fake: a principal with permissions on another key only. External: PME_IT_AZURE_DENIED_TOKEN. */
  async deniedAccess(_masterKeyId: string): Promise<KmsAccess> {
    return this.#access(this.baseUrl, await this.target.deniedToken(), {})
  }

  /**
   * `baseUrl` with `http:` made `https:`: Key Vault clients refuse plain HTTP before connecting
   * (`allowInsecureConnection` is false), and the contract's refused-connection URL is `http://`; the
   * same closed port over HTTPS is refused all the same.
   */
  accessVia(baseUrl: string, tuning?: FaultTuning): KmsAccess {
    const settings: Record<string, string> = tuning
      ? {
          retryAttempts: String(tuning.attempts),
          requestTimeoutMs: String(tuning.requestTimeoutMs),
          retryBaseDelayMs: '20',
          retryMaxDelayMs: '100',
        }
      : {}
    return this.#access(baseUrl.replace(/^http:\/\//i, 'https://'), this.target.userToken, settings)
  }

  #access(baseUrl: string, token: string | undefined, settings: Record<string, string>): KmsAccess {
    return {
      connection: { kmsInstanceUrl: baseUrl, ...(token ? { keyAccessToken: token } : {}) },
      settings: {
        ...(token ? { credential: 'accessToken' } : {}),
        ...(this.target.emulated ? { disableChallengeResourceVerification: 'true' } : {}),
        ...settings,
      },
    }
  }

  /**
   * Key Vault clients speak HTTPS only: the fake's fault proxy serves the fake's certificate. It counts
   * and faults only requests with a bearer token (an attempt's `GET /keys/...`); the SDK's first,
   * unauthenticated challenge probe passes through. Wrap/unwrap go to the host of the `kid` the vault
   * answers (the fake itself), so they bypass the proxy.
   */
  createFaultProxy(): FaultInjector {
    return new FaultProxy(this.baseUrl, {
      ...(this.target.tls ? { tls: this.target.tls } : {}),
      isOperation: (req) => req.headers.authorization !== undefined,
    })
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
    await this.target.stop()
  }
}

export const backend: KmsBackend = {
  name: 'azure',
  async prepare(mode) {
    if (mode === 'external') return
    if (usesLowkey(mode) && mode === 'process') {
      const run = spawnSync('bash', [lowkeyEnvScript], { encoding: 'utf8' })
      if (run.error || run.status !== 0)
        throw new Error(`azure backend: ${lowkeyEnvScript} failed: ${run.error?.message ?? run.stderr.trim()}`)
      console.log(`[kms] ${run.stdout.trim()}`)
      // Trust lowkey-vault's self-signed certificate in the test workers and the CLI they spawn (only there).
      if (existsSync(lowkeyCert)) process.env.NODE_EXTRA_CA_CERTS ??= lowkeyCert
      return
    }
    if (usesLowkey(mode)) {
      // The certificate the image serves (the same in every container of it), trusted the same way.
      const dir = mkdtempSync(path.join(tmpdir(), 'pme-lowkey-cert-'))
      process.env.NODE_EXTRA_CA_CERTS = writeCaBundle(
        dir,
        await lowkeyImageCertificate(),
        process.env.NODE_EXTRA_CA_CERTS,
      )
      process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
      return
    }
    // The fake: a throwaway self-signed certificate, trusted through NODE_EXTRA_CA_CERTS by the test
    // workers (forked after this global setup) and the pme CLI they spawn; nothing else trusts it.
    const dir = makeThrowawayCertificate()
    process.env[FAKE_TLS_DIR_VARIABLE] = dir
    process.env.NODE_EXTRA_CA_CERTS = writeCaBundle(dir, readTls(dir).cert, process.env.NODE_EXTRA_CA_CERTS)
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
    console.log(`[kms] azure backend: ${mode} mode uses the FAKE Azure Key Vault (throwaway certificate in ${dir})`)
  },
  start: (mode) => AzureRunningBackend.start(mode),
}
