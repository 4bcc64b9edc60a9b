import { type KmsAdapterSettings, type KmsClientFactory, UsageError } from '@pme/core'
import { LocalKms } from './local-kms.js'
import { localKmsClientFactory } from './local-kms-client.js'
import { LOCAL_KMS_SETTINGS } from './settings.js'

export { LOCAL_KMS_SETTINGS as adapterSettings } from './settings.js'

/**
 * The adapter entry point (KmsAdapter): settings `keyList` holds the master keys; with
 * `previousKeyList`, those are the old versions and `keyList` the current ones (rotation).
 */
export function createKmsClientFactory(settings: KmsAdapterSettings): KmsClientFactory {
  LOCAL_KMS_SETTINGS.check(settings)
  const { keyList, previousKeyList } = settings
  if (!keyList)
    throw new UsageError('the local KMS needs master keys: --key-list "id: <base64>, ..." (or PME_KEY_LIST)')
  const kms = new LocalKms(previousKeyList ?? keyList)
  if (previousKeyList) kms.rotate(keyList)
  return localKmsClientFactory(kms)
}
