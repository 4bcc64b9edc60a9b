import { randomBytes } from 'node:crypto'
import { GenericContainer, type StartedTestContainer, Wait } from 'testcontainers'
import type { ItMode } from '../backend.js'
import { gcpEmulator, startGcpEmulator } from './fake-kms-process.js'
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
  readonly admin: GcpAdmin
  /** Emulator targets start empty and go away with stop(); external ones keep what was made. */
  readonly ephemeral: boolean
  readonly description: string
  stop(): Promise<void>
}

const token = (what: string) => `pme-it-${what}-${randomBytes(16).toString('hex')}`

/** The target of `mode`; in process mode, PME_IT_GCP_EMULATOR picks the emulator. */
export async function gcpTarget(mode: ItMode): Promise<GcpTarget> {
  if (mode === 'external') return externalTarget()
  const userToken = token('user')
  const deniedToken = token('denied')
  let endpoint: string
  let description: string
  let enforcesIam: boolean
  let stopServer: () => Promise<void>
  if (mode === 'docker') {
    const image = process.env.PME_IT_GCP_IMAGE || DEFAULT_FAKE_CLOUD_KMS_IMAGE
    const container: StartedTestContainer = await new GenericContainer(image)
      .withExposedPorts(9010)
      .withWaitStrategy(Wait.forListeningPorts())
      .start()
    endpoint = `http://${container.getHost()}:${container.getMappedPort(9010)}`
    description = `container ${image} at ${endpoint}`
    enforcesIam = false
    stopServer = async () => {
      await container.stop()
    }
  } else {
    const server = await startGcpEmulator(gcpEmulator(), {
      [userToken]: USER_MEMBER,
      [deniedToken]: DENIED_MEMBER,
    })
    ;({ endpoint, description, enforcesIam } = server)
    stopServer = () => server.stop()
  }
  const admin = new GcpAdmin(endpoint)
  try {
    const keyRing = await admin.createKeyRing(PROJECT, LOCATION, 'pme-it')
    if (enforcesIam) await admin.setIamPolicy(keyRing, [{ role: ENCRYPTER_DECRYPTER, members: [USER_MEMBER] }])
    return {
      endpoint,
      keyRing,
      userToken: enforcesIam ? userToken : undefined,
      deniedToken: enforcesIam ? deniedToken : undefined,
      ...(enforcesIam ? {} : { noDeniedReason: `${description} has no IAM: every caller may use every key` }),
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
