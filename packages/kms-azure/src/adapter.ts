import type { TokenCredential } from '@azure/identity'
import { type KmsAdapterSettings, type KmsClientFactory, kmsConnectionConfig } from '@pme/core'
import { AzureKeyVaultKmsClient, defaultCredential, staticTokenCredential } from './azure-kms-client.js'
import { KeyVaultRest } from './key-vault-rest.js'
import { parseSettings, staticTokenFor, vaultUrlFor } from './settings.js'

export { AZURE_KMS_SETTINGS as adapterSettings } from './settings.js'

/**
 * The adapter entry point (KmsAdapter), as the CLI loads it: `kms.settings` of pme.config.json.
 * Settings are checked now; each connection gets a client for its vault URL (instance URL). One
 * DefaultAzureCredential serves every client of the factory (made at first use), so its token
 * cache survives the CryptoFactory's client cache lifetimes.
 */
export function createKmsClientFactory(settings: KmsAdapterSettings): KmsClientFactory {
  const parsed = parseSettings(settings)
  let shared: TokenCredential | undefined
  const factoryCredential = () => {
    shared ??= defaultCredential(parsed)
    return shared
  }
  return (connection) => {
    const config = kmsConnectionConfig(connection)
    const vaultUrl = vaultUrlFor(parsed, config)
    const token = staticTokenFor(parsed, config)
    const credential = token === undefined ? factoryCredential() : staticTokenCredential(token)
    return new AzureKeyVaultKmsClient(new KeyVaultRest(vaultUrl, credential, parsed), vaultUrl, parsed)
  }
}
