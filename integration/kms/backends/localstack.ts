import { spawnSync } from 'node:child_process'
import { localstackEnvScript } from '../aws/localstack-server.js'
import { localstackTarget } from '../aws/localstack-target.js'
import type { KmsBackend } from '../backend.js'
import { AwsRunningBackend } from './aws.js'

/**
 * AWS KMS as LocalStack emulates it, unpatched, through @pme/kms-aws (config `kms.type` "aws"):
 * localstack-core in host mode (process; installed by setup/localstack-env.sh with Python 3.13) or
 * @testcontainers/localstack (docker). External mode is the aws backend with PME_IT_AWS_ENDPOINT.
 */
export const backend: KmsBackend = {
  name: 'localstack',
  prepare(mode) {
    if (mode !== 'process') return
    const run = spawnSync('bash', [localstackEnvScript], { encoding: 'utf8', timeout: 900_000 })
    if (run.error || run.status !== 0)
      throw new Error(`localstack backend: ${localstackEnvScript} failed: ${run.error?.message ?? run.stderr.trim()}`)
    console.log(`[kms] ${run.stdout.trim()}`)
  },
  skipReason(mode) {
    if (mode === 'external')
      return 'a LocalStack you run yourself is the aws backend in external mode: PME_IT_BACKENDS=aws PME_IT_AWS_ENDPOINT=<its URL>'
    if (process.env.PME_IT_ONCE === 'skip')
      return 'PME_IT_ONCE=skip: LocalStack (another engine, slow to install and start) runs once per CI, on the Node 20 pass'
    return undefined
  },
  start: (mode) => AwsRunningBackend.start(mode, 'localstack', localstackTarget),
}
