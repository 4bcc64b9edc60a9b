export { adapterSettings, createKmsClientFactory } from './adapter.js'
export {
  AzureKeyVaultKmsClient,
  defaultCredential,
  type KeyVaultOperations,
  type PublicKey,
  staticTokenCredential,
} from './azure-kms-client.js'
export { mapAzureError, TransientAzureError } from './errors.js'
export { KeyVaultRest } from './key-vault-rest.js'
export {
  type AzureKmsSettings,
  type CredentialSource,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_RETRY_ATTEMPTS,
  parseSettings,
  vaultUrlFor,
  WRAP_ALGORITHMS,
  type WrapAlgorithm,
} from './settings.js'
export { formatWrappedKey, keyIdParts, parseMasterKeyId, parseWrappedKey, type WrappedKey } from './wrapped-key.js'
