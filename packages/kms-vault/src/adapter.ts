import type { KmsAdapterSettings, KmsClientFactory } from '@pme/core'
import { parseVaultSettings } from './settings.js'

export { VAULT_SETTINGS as adapterSettings } from './settings.js'

import { VaultKmsClient } from './vault-kms-client.js'

/**
 * The adapter entry point (KmsAdapter): settings are checked now, the connection (Vault address,
 * transit mount, token) when the CryptoFactory asks for a client.
 */
export function createKmsClientFactory(settings: KmsAdapterSettings): KmsClientFactory {
  parseVaultSettings(settings)
  return (config) => VaultKmsClient.create(config, settings)
}
