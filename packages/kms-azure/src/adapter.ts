import { type KmsAdapterSettings, type KmsClientFactory, kmsConnectionConfig } from '@pme/core'
import { AzureKeyVaultKmsClient, credentialFor, SdkKeyVault } from './azure-kms-client.js'
import { parseSettings, staticTokenFor, vaultUrlFor } from './settings.js'

export { AZURE_KMS_SETTINGS as adapterSettings } from './settings.js'

/**
 * The adapter entry point (KmsAdapter), as the CLI loads it: `kms.settings` of pme.config.json.
 * Settings are checked now; each connection gets a client for its vault URL (instance URL).
 */
export function createKmsClientFactory(settings: KmsAdapterSettings): KmsClientFactory {
  const parsed = parseSettings(settings)
  return (connection) => {
    const config = kmsConnectionConfig(connection)
    const vaultUrl = vaultUrlFor(parsed, config)
    const credential = credentialFor(parsed, staticTokenFor(parsed, config))
    return new AzureKeyVaultKmsClient(new SdkKeyVault(vaultUrl, credential, parsed), vaultUrl, parsed)
  }
}
