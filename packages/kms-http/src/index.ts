export { adapterSettings, createKmsClientFactory } from './adapter.js'
export { type FetchLike, HttpKmsClient, type HttpKmsClientOptions } from './http-kms-client.js'
export { HTTP_KMS_SETTINGS, type HttpKmsSettings, parseHttpKmsSettings } from './settings.js'
