import type { KmsAdapterSettings, KmsClientFactory } from '@pme/core'
import { IbmKmsClient } from './ibm-kms-client.js'
import { parseIbmSettings } from './settings.js'

export { IBM_KMS_SETTINGS as adapterSettings } from './settings.js'

/**
 * The adapter entry point (KmsAdapter): settings are checked now, the connection (endpoint,
 * instance GUID, API key) when the CryptoFactory asks for a client.
 */
export function createKmsClientFactory(settings: KmsAdapterSettings): KmsClientFactory {
  parseIbmSettings(settings)
  return (config) => IbmKmsClient.create(config, settings)
}
