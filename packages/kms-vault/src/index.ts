export { adapterSettings, createKmsClientFactory } from './adapter.js'
export {
  DEFAULT_KUBERNETES_JWT_PATH,
  DEFAULT_TRANSIT_MOUNT,
  parseVaultSettings,
  VAULT_SETTINGS,
  type VaultAuth,
  type VaultAuthMethod,
  type VaultEndpoint,
  type VaultSettings,
  vaultEndpoint,
} from './settings.js'
export { transitKeyVersion, VaultKmsClient } from './vault-kms-client.js'
