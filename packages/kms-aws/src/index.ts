export { adapterSettings, createKmsClientFactory } from './adapter.js'
export {
  AwsKmsClient,
  type AwsKmsClientOptions,
  type KmsSender,
  regionOf,
  type SenderForRegion,
} from './aws-kms-client.js'
export { isTransient, mapAwsError } from './errors.js'
export {
  type AwsKmsSettings,
  DEFAULT_CONNECTION_TIMEOUT_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  endpointFor,
  parseSettings,
} from './settings.js'
