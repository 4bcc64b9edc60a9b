import type { KmsAdapterSettings, KmsClientFactory } from '@pme/core'
import { HttpKmsClient } from './http-kms-client.js'
import { parseHttpKmsSettings } from './settings.js'

export { HTTP_KMS_SETTINGS as adapterSettings } from './settings.js'

/**
 * The adapter entry point (KmsAdapter), what `--kms http` loads: settings are checked now, the
 * connection (server URL, token) when the CryptoFactory asks for a client.
 */
export function createKmsClientFactory(settings: KmsAdapterSettings): KmsClientFactory {
  parseHttpKmsSettings(settings)
  return (connection) => HttpKmsClient.create(connection, settings)
}
