import type { ItMode } from '../backend.js'
import { AwsAdmin, type Principal } from './aws-admin.js'
import { type AwsTarget, EMULATOR_REGION } from './aws-target.js'
import { startLocalstackContainer, startLocalstackProcess } from './localstack-server.js'

/** LocalStack accepts any access key; these are the ones its documentation uses. */
const ANY: Principal = { accessKeyId: 'test', secretAccessKey: 'test' }

/** Why the access-denied test cannot run against LocalStack (the aws backend runs it, on moto). */
export const LOCALSTACK_CANNOT_DENY =
  'LocalStack community edition enforces no IAM (every principal may use every key): ' +
  'the aws backend (moto with IAM auth) runs this test'

/** LocalStack, unpatched, as the suites' AWS KMS: a process (host mode) or a container. */
export async function localstackTarget(mode: ItMode): Promise<AwsTarget> {
  const server = mode === 'docker' ? await startLocalstackContainer() : await startLocalstackProcess()
  const admin = new AwsAdmin(EMULATOR_REGION, server.endpoint, ANY)
  return {
    endpoint: server.endpoint,
    region: EMULATOR_REGION,
    admin,
    user: ANY,
    ephemeral: true,
    description: server.description,
    keyPool: [],
    cannotDeny: LOCALSTACK_CANNOT_DENY,
    deniedPrincipal: () => Promise.reject(new Error(LOCALSTACK_CANNOT_DENY)),
    stop: async () => {
      admin.destroy()
      await server.stop()
    },
  }
}
