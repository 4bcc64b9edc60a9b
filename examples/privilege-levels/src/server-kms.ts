import { createKmsClientFactory } from '@pme/kms-http'
import { LocalKms } from '@pme/kms-local'
import { createKmsServer } from '@pme/kms-server'
import type { DemoKms } from './demo-kms.js'
import { levelAccessPolicy } from './privileges.js'

/**
 * The `--server` backend: @pme/kms-server started in this process on a free port of 127.0.0.1,
 * holding the master keys and the same levels, and @pme/kms-http's client talking to it (the
 * token as `x-api-key`, none for PUBLIC). Its request log is silenced: the report says what happened.
 */
export async function serverKms(masterKeys: ReadonlyMap<string, Uint8Array>): Promise<DemoKms> {
  const server = createKmsServer({ backend: new LocalKms(masterKeys), access: levelAccessPolicy(), log: () => {} })
  const url = await server.listen(0, '127.0.0.1')
  return {
    description: `HTTP KMS at ${url} (@pme/kms-server, client @pme/kms-http)`,
    clientFactory: createKmsClientFactory({}),
    connection: (token) => ({ kmsInstanceUrl: url, ...(token === undefined ? {} : { keyAccessToken: token }) }),
    close: () => server.close(),
  }
}
