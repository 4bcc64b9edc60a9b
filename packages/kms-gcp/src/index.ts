export { adapterSettings, createKmsClientFactory } from './adapter.js'
export { crc32c } from './crc32c.js'
export { ChecksumMismatch, isTransient, mapGcpError, safeReason } from './errors.js'
export { GcpKmsClient, type GcpKmsClientOptions, type KmsService } from './gcp-kms-client.js'
export {
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_RETRY_ATTEMPTS,
  endpointFor,
  type GcpEndpoint,
  type GcpKmsSettings,
  GOOGLE_ENDPOINT,
  parseEndpoint,
  parseSettings,
} from './settings.js'
