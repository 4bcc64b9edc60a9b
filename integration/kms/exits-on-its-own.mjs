// Used by e2e.test.ts: a process that wraps and unwraps a key through a CryptoFactory over an
// adapter, closes the factory and then simply returns. It must exit by itself: no SDK client, gRPC
// channel or socket may keep it alive. Argument: JSON {type, connection, settings, masterKey}.
import { randomBytes } from 'node:crypto'
import { CryptoFactory, kmsConnectionConfig } from '@pme/core'

const { type, connection, settings, masterKey } = JSON.parse(process.argv[2])
const adapter = await import(`@pme/kms-${type}`)
const factory = new CryptoFactory(await adapter.createKmsClientFactory(settings))
const client = await factory.kmsClient(kmsConnectionConfig(connection), 600_000)
const key = randomBytes(16)
const unwrapped = await client.unwrapKey(await client.wrapKey(key, masterKey), masterKey)
if (!Buffer.from(unwrapped).equals(key)) throw new Error('the key did not round-trip')
await factory.close()
console.log('round trip ok, factory closed')
