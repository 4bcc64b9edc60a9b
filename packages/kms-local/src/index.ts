export type { AccessPolicy, Acl, KeyGrant, KmsOperation } from './access-policy.js'
export { adapterSettings, createKmsClientFactory } from './adapter.js'
export type { KmsCallCounts, KmsStats } from './kms-stats.js'
export { LocalKms, type LocalKmsOptions } from './local-kms.js'
export { LocalKmsClient, localKmsClientFactory } from './local-kms-client.js'
export type { MasterKeySource } from './master-key-ring.js'
export {
  PRIVILEGE_LEVELS,
  type PrivilegeLevel,
  type PrivilegeLevelOptions,
  privilegeLevelAcl,
} from './privilege-levels.js'
