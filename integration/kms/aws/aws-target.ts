import type { ItMode } from '../backend.js'
import { AwsAdmin, enableMotoIamAuth, KMS_USER_ACTIONS, type Principal, userPolicy } from './aws-admin.js'
import { type MotoServer, startMotoContainer, startMotoProcess } from './moto-server.js'

/** Where the suite's AWS KMS is, who administers it, and who the suite's principals are. */
export interface AwsTarget {
  /** undefined: AWS's own endpoint for the region. */
  readonly endpoint: string | undefined
  readonly region: string
  readonly admin: AwsAdmin
  /** The principal allowed to use every key the suite creates (kms:Encrypt, kms:Decrypt). */
  readonly user: Principal
  /** True when the harness owns the emulator (keys vanish on stop; IAM users can be made). */
  readonly ephemeral: boolean
  readonly description: string
  /** Master keys to hand out instead of creating them (external mode, PME_IT_AWS_KEY_ARNS). */
  readonly keyPool: string[]
  /** A principal refused for every key. */
  deniedPrincipal(): Promise<Principal>
  /** Why no principal can be refused (an emulator that enforces no IAM), if so. */
  readonly cannotDeny?: string
  /** True: confirm each rotation with ListKeyRotations (moto, which keeps the same key material). */
  readonly listsRotations?: boolean
  stop(): Promise<void>
}

export const EMULATOR_REGION = 'us-east-1'
/** moto accepts any key while IAM auth is off; these only set up the IAM users. */
const BOOTSTRAP: Principal = { accessKeyId: 'pme-it-bootstrap', secretAccessKey: 'pme-it-bootstrap' }

function required(name: string): string {
  const value = process.env[name]
  if (!value)
    throw new Error(`PME_IT_MODE=external with the aws backend needs ${name} (see integration/kms/aws/README.md)`)
  return value
}

/** An admin and a user (IAM users of moto), then IAM auth on: from here moto checks principals. */
async function emulatorTarget(server: MotoServer): Promise<AwsTarget> {
  const bootstrap = new AwsAdmin(EMULATOR_REGION, server.endpoint, BOOTSTRAP)
  try {
    const adminKeys = await bootstrap.createUser('pme-it-admin', userPolicy(['*']))
    const user = await bootstrap.createUser('pme-it-user', userPolicy(KMS_USER_ACTIONS))
    await enableMotoIamAuth(server.endpoint)
    const admin = new AwsAdmin(EMULATOR_REGION, server.endpoint, adminKeys)
    return {
      endpoint: server.endpoint,
      region: EMULATOR_REGION,
      admin,
      user,
      ephemeral: true,
      description: server.description,
      keyPool: [],
      listsRotations: true,
      // moto evaluates KMS calls against Resource "*", so per-key policies cannot be told apart:
      // the denied principal is a user whose only permission is kms:DescribeKey.
      deniedPrincipal: () => admin.createUser('pme-it-denied', userPolicy(['kms:DescribeKey'])),
      stop: async () => {
        admin.destroy()
        await server.stop()
      },
    }
  } finally {
    bootstrap.destroy()
  }
}

function externalPrincipal(prefix: string): Principal | undefined {
  const profile = process.env[`${prefix}PROFILE`]
  const accessKeyId = process.env[`${prefix}ACCESS_KEY_ID`]
  const secretAccessKey = process.env[`${prefix}SECRET_ACCESS_KEY`]
  const sessionToken = process.env[`${prefix}SESSION_TOKEN`]
  if (accessKeyId && secretAccessKey) {
    return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) }
  }
  return profile ? { profile } : undefined
}

/** A real account (or any AWS KMS endpoint): everything from PME_IT_AWS_* and the default chain. */
export function externalTarget(): AwsTarget {
  const region = required('PME_IT_AWS_REGION')
  const endpoint = process.env.PME_IT_AWS_ENDPOINT || undefined
  const user = externalPrincipal('PME_IT_AWS_') ?? {}
  const admin = new AwsAdmin(region, endpoint, user)
  const keyPool = (process.env.PME_IT_AWS_KEY_ARNS ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean)
  return {
    endpoint,
    region,
    admin,
    user,
    ephemeral: false,
    description: `AWS KMS in ${region}${endpoint ? ` at ${endpoint}` : ''}`,
    keyPool,
    // An endpoint whose KMS enforces no IAM (LocalStack): the access-denied test is skipped with this reason.
    cannotDeny: process.env.PME_IT_AWS_CANNOT_DENY || undefined,
    deniedPrincipal: async () => {
      const denied = externalPrincipal('PME_IT_AWS_DENIED_')
      if (!denied)
        throw new Error(
          'external aws backend: the access-denied test needs a principal without kms:Encrypt/kms:Decrypt on the ' +
            'suite keys: set PME_IT_AWS_DENIED_PROFILE or PME_IT_AWS_DENIED_ACCESS_KEY_ID and PME_IT_AWS_DENIED_SECRET_ACCESS_KEY',
        )
      return denied
    },
    stop: async () => {
      await admin.cleanUp()
      admin.destroy()
    },
  }
}

/** The AWS KMS the suites run against, in the chosen mode. */
export async function awsTarget(mode: ItMode): Promise<AwsTarget> {
  if (mode === 'external') return externalTarget()
  const server = mode === 'docker' ? await startMotoContainer() : await startMotoProcess()
  try {
    return await emulatorTarget(server)
  } catch (error) {
    await server.stop()
    throw error
  }
}
