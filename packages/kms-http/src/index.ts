export { createKmsClientFactory } from './adapter.js'
export { type FetchLike, HttpKmsClient, type HttpKmsClientOptions } from './http-kms-client.js'
export { type HttpKmsSettings, parseHttpKmsSettings } from './settings.js'
