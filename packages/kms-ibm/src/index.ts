export { adapterSettings, createKmsClientFactory } from './adapter.js'
export { type KeyProtectReason, keyProtectError } from './errors.js'
export { type FetchLike, type IamTokenOptions, IamTokenSource } from './iam-token.js'
export {
  IbmKmsClient,
  type IbmKmsClientOptions,
  type IbmUnwrapResult,
  type IbmWrapResult,
} from './ibm-kms-client.js'
export {
  DEFAULT_IAM_URL,
  type IbmCredential,
  type IbmEndpoint,
  type IbmSettings,
  ibmEndpoint,
  parseIbmSettings,
} from './settings.js'
