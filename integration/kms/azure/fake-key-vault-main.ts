import { FakeConfigError, jsonEnv, portEnv, serveFake } from '../fake-main.js'
import { FakeKeyVault, type KeyPermission, readTls } from './fake-key-vault.js'

/*
 * The FAKE Azure Key Vault as a server of its own: the entry point of the azure-fake image
 * (integration/images/azure-fake). Configuration:
 *   PME_FAKE_KV_PORT        HTTPS port (default 8443)
 *   PME_FAKE_KV_TLS_DIR     folder with key.pem and cert.pem (default /pme/tls)
 *   PME_FAKE_KV_PRINCIPALS  JSON: bearer token → {"permissions": [...], "keys": [...] (optional)}
 */

const fake = new FakeKeyVault(readTls(process.env.PME_FAKE_KV_TLS_DIR || '/pme/tls'))
for (const [token, grant] of Object.entries(jsonEnv('PME_FAKE_KV_PRINCIPALS'))) {
  const { permissions, keys } = grant as { permissions?: KeyPermission[]; keys?: string[] }
  if (!Array.isArray(permissions)) throw new FakeConfigError('PME_FAKE_KV_PRINCIPALS: each principal needs permissions')
  fake.addPrincipal(token, permissions, keys)
}
await serveFake('FAKE Azure Key Vault', portEnv('PME_FAKE_KV_PORT', 8443), fake)
