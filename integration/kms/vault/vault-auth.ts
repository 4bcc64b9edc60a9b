import { randomBytes } from 'node:crypto'
import type { VaultAdmin } from './vault-admin.js'

/** Enables AppRole (once) and makes a role with `policies`; returns its role id and a secret id. */
export async function appRoleLogin(
  admin: VaultAdmin,
  policies: string[],
): Promise<{ roleId: string; secretId: string }> {
  const auths = (await admin.call('GET', 'sys/auth')) as Record<string, unknown>
  const table = (auths.data ?? auths) as Record<string, unknown>
  if (!('approle/' in table)) await admin.call('POST', 'sys/auth/approle', { type: 'approle' })
  const role = `pme-it-${randomBytes(4).toString('hex')}`
  await admin.call('POST', `auth/approle/role/${role}`, { token_policies: policies, token_ttl: '10m' })
  const roleId = (await admin.call('GET', `auth/approle/role/${role}/role-id`))?.data as { role_id: string }
  const secretId = (await admin.call('POST', `auth/approle/role/${role}/secret-id`))?.data as { secret_id: string }
  return { roleId: roleId.role_id, secretId: secretId.secret_id }
}
