import type { KmsAdapterSettings, KmsClientFactory } from '@pme/core'
import { AwsKmsClient } from './aws-kms-client.js'
import { endpointFor, parseSettings } from './settings.js'

export { AWS_KMS_SETTINGS as adapterSettings } from './settings.js'

/**
 * The adapter entry point (KmsAdapter), as the CLI loads it: `kms.settings` of pme.config.json.
 * Settings are checked here, once; each connection gets a client whose endpoint is
 * `settings.endpoint`, else the connection's instance URL (unless DEFAULT), else AWS's own (of the
 * key ARN's region: one SDK client per region). Credentials come from the settings (tests) or the
 * SDK's default provider chain; the access token and instance id of the connection are not used.
 */
export function createKmsClientFactory(settings: KmsAdapterSettings): KmsClientFactory {
  const parsed = parseSettings(settings)
  return (connection) => {
    const endpoint = endpointFor(parsed, connection)
    return new AwsKmsClient((region) => AwsKmsClient.sdkClient(parsed, endpoint, region), {
      encryptionContext: parsed.encryptionContext,
      grantTokens: parsed.grantTokens,
    })
  }
}
