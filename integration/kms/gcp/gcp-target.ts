import { randomBytes } from 'node:crypto'
import { Wait } from 'testcontainers'
import type { ItMode } from '../backend.js'
import { startContainer } from '../containers.js'
import { type GcpEmulatorServer, gcpEmulator, startGcpEmulator } from './fake-kms-process.js'
import { ENCRYPTER_DECRYPTER, GcpAdmin } from './gcp-admin.js'

/** Docker mode's default image (users with Docker Hub); PME_IT_GCP_IMAGE overrides it. */
export const DEFAULT_FAKE_CLOUD_KMS_IMAGE = 'winor30/fake-cloud-kms:latest'
const PROJECT = 'pme-it'
const LOCATION = 'global'
const USER_MEMBER = 'serviceAccount:pme-it-user@pme-it.iam.gserviceaccount.com'
const DENIED_MEMBER = 'serviceAccount:pme-it-denied@pme-it.iam.gserviceaccount.com'

/** A Cloud KMS to test against: an emulator (process, docker) or a real project (external). */
export interface GcpTarget {
  /** `http://host:port` for emulators (plaintext gRPC); undefined = Google's endpoint. */
  readonly endpoint: string | undefined
  /** The key ring the suites' keys go into. */
  readonly keyRing: string
  /** The suites' principal: an OAuth 2.0 access token, or undefined for ADC. */
  readonly userToken: string | undefined
  /**
   * A principal without any role on the key ring, or undefined when the target cannot have one
   * (fake-cloud-kms has no IAM; external mode without PME_IT_GCP_DENIED_ACCESS_TOKEN).
   */
  readonly deniedToken: string | undefined
  /** Why there is no denied principal, when there is none. */
  readonly noDeniedReason?: string
  /** The emulator checks no permissions: no principal can be refused (not a missing setting). */
  readonly noIam?: boolean
  readonly admin: GcpAdmin
  /** Emulator targets start empty and go away with stop(); external ones keep what was made. */
  readonly ephemeral: boolean
  readonly description: string
  stop(): Promise<void>
}

const token = (what: string) => `pme-it-${what}-${randomBytes(16).toString('hex')}`

/**
 * The emulator in a container: PME_IT_GCP_IMAGE (default fake-cloud-kms's image), which
 * PME_IT_GCP_EMULATOR says what it runs (default fake-cloud-kms; `pme-fake` for the pme-gcp-fake
 * image). Both listen for gRPC on 9010 and log a line with "listening" when they do.
 */
async function startGcpContainer(principals: Record<string, string>): Promise<GcpEmulatorServer> {
  const image = process.env.PME_IT_GCP_IMAGE || DEFAULT_FAKE_CLOUD_KMS_IMAGE
  const emulator = gcpEmulator('docker')
  const container = await startContainer({
    image,
    port: 9010,
    env: emulator === 'pme-fake' ? { PME_FAKE_GCP_PRINCIPALS: JSON.stringify(principals) } : {},
    wait: Wait.forLogMessage(/listening/),
  })
  const endpoint = `http://${container.host}:${container.port}`
  return {
    endpoint,
    description: `container ${image} (${emulator}) at ${endpoint}`,
    enforcesIam: emulator === 'pme-fake',
    stop: () => container.stop(),
  }
}

/** The target of `mode`; PME_IT_GCP_EMULATOR picks the emulator (process) or says what the image runs (docker). */
export async function gcpTarget(mode: ItMode): Promise<GcpTarget> {
  if (mode === 'external') return externalTarget()
  const userToken = token('user')
  const deniedToken = token('denied')
  const principals = { [userToken]: USER_MEMBER, [deniedToken]: DENIED_MEMBER }
  const server =
    mode === 'docker' ? await startGcpContainer(principals) : await startGcpEmulator(gcpEmulator(mode), principals)
  const { endpoint, description, enforcesIam } = server
  const stopServer = () => server.stop()
  const admin = new GcpAdmin(endpoint)
  try {
    const keyRing = await admin.createKeyRing(PROJECT, LOCATION, 'pme-it')
    if (enforcesIam) await admin.setIamPolicy(keyRing, [{ role: ENCRYPTER_DECRYPTER, members: [USER_MEMBER] }])
    return {
      endpoint,
      keyRing,
      userToken: enforcesIam ? userToken : undefined,
      deniedToken: enforcesIam ? deniedToken : undefined,
      ...(enforcesIam
        ? {}
        : { noIam: true, noDeniedReason: `${description} has no IAM: every caller may use every key` }),
      admin,
      ephemeral: true,
      description,
      stop: async () => {
        await admin.close()
        await stopServer()
      },
    }
  } catch (error) {
    await admin.close().catch(() => {})
    await stopServer()
    throw error
  }
}

function externalTarget(): GcpTarget {
  const keyRing = process.env.PME_IT_GCP_KEY_RING
  if (!keyRing || !/^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+$/.test(keyRing)) {
    throw new Error(
      'PME_IT_MODE=external for gcp needs PME_IT_GCP_KEY_RING=projects/<p>/locations/<l>/keyRings/<r> (an existing key ring)',
    )
  }
  const endpoint = process.env.PME_IT_GCP_ENDPOINT || undefined
  const userToken = process.env.PME_IT_GCP_ACCESS_TOKEN || undefined
  const deniedToken = process.env.PME_IT_GCP_DENIED_ACCESS_TOKEN || undefined
  const admin = new GcpAdmin(endpoint, userToken)
  return {
    endpoint,
    keyRing,
    userToken,
    deniedToken,
    ...(deniedToken ? {} : { noDeniedReason: 'PME_IT_GCP_DENIED_ACCESS_TOKEN is not set' }),
    admin,
    ephemeral: false,
    description: `Cloud KMS key ring ${keyRing}${endpoint ? ` at ${endpoint}` : ''}`,
    stop: () => admin.close(),
  }
}
