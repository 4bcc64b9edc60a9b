import { FakeConfigError, jsonEnv, portEnv, serveFake } from '../fake-main.js'
import { FakeKeyProtect, type KpRole } from './fake-key-protect.js'

/*
 * The FAKE IBM Key Protect (and IAM token endpoint) as a server of its own: the entry point of the
 * ibm-fake image (integration/images/ibm-fake). Configuration:
 *   PME_FAKE_KP_PORT         HTTP port (default 8080)
 *   PME_FAKE_KP_INSTANCE_ID  the instance GUID (default: random)
 *   PME_FAKE_KP_API_KEYS     JSON: API key → {"role": "Reader"|"Writer"|"Manager", "keys": [...] (optional)}
 */

const fake = new FakeKeyProtect(
  process.env.PME_FAKE_KP_INSTANCE_ID ? { instanceId: process.env.PME_FAKE_KP_INSTANCE_ID } : {},
)
for (const [apiKey, grant] of Object.entries(jsonEnv('PME_FAKE_KP_API_KEYS'))) {
  const { role, keys } = grant as { role?: KpRole; keys?: string[] }
  if (role !== 'Reader' && role !== 'Writer' && role !== 'Manager')
    throw new FakeConfigError('PME_FAKE_KP_API_KEYS: each API key needs a role (Reader, Writer or Manager)')
  fake.addApiKey(apiKey, role, keys)
}
await serveFake('FAKE IBM Key Protect', portEnv('PME_FAKE_KP_PORT', 8080), fake)
