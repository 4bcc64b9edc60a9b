export { createKmsClientFactory } from './adapter.js'
export {
  DEFAULT_KUBERNETES_JWT_PATH,
  DEFAULT_TRANSIT_MOUNT,
  parseVaultSettings,
  type VaultAuth,
  type VaultAuthMethod,
  type VaultEndpoint,
  type VaultSettings,
  vaultEndpoint,
} from './settings.js'
export { transitKeyVersion, VaultKmsClient } from './vault-kms-client.js'
