import type { KmsAccess } from './backend.js'

/** pme.config.json for `access`: exactly what a user would write to use this backend. */
export function configFile(type: string, access: KmsAccess): Record<string, unknown> {
  const { connection, settings } = access
  return {
    kms: {
      type,
      ...(connection.kmsInstanceId ? { instanceId: connection.kmsInstanceId } : {}),
      ...(connection.kmsInstanceUrl ? { instanceUrl: connection.kmsInstanceUrl } : {}),
      ...(connection.keyAccessToken ? { accessToken: connection.keyAccessToken } : {}),
      settings,
    },
  }
}
