import { LocalKms, localKmsClientFactory } from '@pme/kms-local'
import type { DemoKms } from './demo-kms.js'
import { levelAccessPolicy } from './privileges.js'

/** The default backend: an in-memory LocalKms with the seed's privilege levels. */
export function embeddedKms(masterKeys: ReadonlyMap<string, Uint8Array>): DemoKms {
  const kms = new LocalKms(masterKeys, levelAccessPolicy())
  return {
    description: 'embedded in-memory KMS (@pme/kms-local)',
    clientFactory: localKmsClientFactory(kms),
    connection: (token) => (token === undefined ? {} : { keyAccessToken: token }),
    close: async () => {},
  }
}
