// For external-suites.sh: what a Cloud KMS user has before running the suites in external mode, made
// on the FAKE Cloud KMS (kms/gcp/fake-kms-server.mjs): a key ring on which `member` has the role the
// adapter's README asks for. Prints the key ring's name.
//   node gcp-fake-key-ring.mjs <http://host:port> <member>
import { randomBytes } from 'node:crypto'
import { GcpKmsClient, parseEndpoint, parseSettings } from '@pme/kms-gcp'

const [endpoint, member] = process.argv.slice(2)
const client = GcpKmsClient.sdkClient(parseSettings({ endpoint }), parseEndpoint(endpoint))
try {
  const [ring] = await client.createKeyRing({
    parent: 'projects/pme-it/locations/global',
    keyRingId: `pme-it-external-${randomBytes(4).toString('hex')}`,
  })
  await client.setIamPolicy({
    resource: ring.name,
    policy: { bindings: [{ role: 'roles/cloudkms.cryptoKeyEncrypterDecrypter', members: [member] }] },
  })
  console.log(ring.name)
} finally {
  await client.close()
}
