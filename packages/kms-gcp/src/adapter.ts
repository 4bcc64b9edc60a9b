import { DEFAULT_KMS_VALUE, type KmsAdapterSettings, type KmsClientFactory } from '@pme/core'
import { GcpKmsClient } from './gcp-kms-client.js'
import { endpointFor, parseSettings } from './settings.js'

export { GCP_KMS_SETTINGS as adapterSettings } from './settings.js'

/**
 * The adapter entry point (KmsAdapter), as the CLI loads it: `kms.settings` of pme.config.json.
 * Settings are checked here, once; each connection gets a client whose endpoint is
 * `settings.endpoint`, else the connection's instance URL (unless DEFAULT), else Google's. The
 * connection's access token, unless DEFAULT, is sent as an OAuth 2.0 bearer token; otherwise the
 * client uses Application Default Credentials (or `keyFilename`).
 */
export function createKmsClientFactory(settings: KmsAdapterSettings): KmsClientFactory {
  const parsed = parseSettings(settings)
  return (connection) => {
    const token =
      connection.keyAccessToken && connection.keyAccessToken !== DEFAULT_KMS_VALUE
        ? connection.keyAccessToken
        : undefined
    return new GcpKmsClient(GcpKmsClient.sdkClient(parsed, endpointFor(parsed, connection), token), {
      ...(parsed.additionalAuthenticatedData
        ? { additionalAuthenticatedData: parsed.additionalAuthenticatedData }
        : {}),
      ...(token ? { accessToken: token } : {}),
      retryAttempts: parsed.retryAttempts,
      requestTimeoutMs: parsed.requestTimeoutMs,
      retryBaseDelayMs: parsed.retryBaseDelayMs,
      retryMaxDelayMs: parsed.retryMaxDelayMs,
    })
  }
}
