// Wraps and unwraps through @pme/kms-vault in a process of its own, run with DEBUG=* by vault.test.ts:
// every `debug` logger of the dependency tree is on, and the output must hold no token, secret or key.
import { createRequire } from 'node:module'
import { VaultKmsClient } from '@pme/kms-vault'

const { connection, settings, masterKey, keyBase64 } = JSON.parse(process.env.PME_IT_PROBE ?? '{}')
// The `debug` package node-vault loads: one line from it proves DEBUG=* is in effect here.
const fromVault = createRequire(import.meta.resolve('@pme/kms-vault'))
createRequire(fromVault.resolve('node-vault'))('debug')('pme-it-probe')('debug output is on')

const client = VaultKmsClient.create(connection, settings)
const key = Buffer.from(keyBase64, 'base64')
const unwrapped = await client.unwrapKey(await client.wrapKey(key, masterKey), masterKey)
const refused = await client.unwrapKey('vault:v1:AAAA', `${masterKey}-missing`).then(
  () => 'no error',
  (error) => error.name,
)
process.stdout.write(`round trip ${Buffer.from(unwrapped).equals(key) ? 'ok' : 'FAILED'}; missing key: ${refused}\n`)
