import { AdapterSettingsDefinition } from '@pme/core'

/** The local KMS's settings: its master keys (the CLI fills them from --key-list and PME_KEY_LIST). */
export const LOCAL_KMS_SETTINGS = new AdapterSettingsDefinition('local KMS', {
  keyList: { type: 'string', secret: true, description: 'the master keys, "id: <base64>, ..."' },
  previousKeyList: {
    type: 'string',
    secret: true,
    description: 'for rotation: the old master keys (keyList then holds the new ones)',
  },
})
