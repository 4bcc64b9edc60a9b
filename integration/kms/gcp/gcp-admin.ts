import { randomBytes } from 'node:crypto'
import { GcpKmsClient, parseEndpoint, parseSettings } from '@pme/kms-gcp'

/** The role @pme/kms-gcp's README asks for: Encrypt and Decrypt on the keys. */
export const ENCRYPTER_DECRYPTER = 'roles/cloudkms.cryptoKeyEncrypterDecrypter'

type SdkClient = ReturnType<typeof GcpKmsClient.sdkClient>

/**
 * Cloud KMS administration for the harness, through @google-cloud/kms (the adapter's own SDK
 * client): key rings, crypto keys, rotation (new version made primary), IAM bindings, cleanup.
 * `endpoint`: `http://host:port` (emulator, plaintext) or undefined (Google, ADC).
 */
export class GcpAdmin {
  readonly #client: SdkClient
  readonly #callOptions: { otherArgs?: { headers: Record<string, string> } }

  constructor(endpoint: string | undefined, accessToken?: string) {
    const settings = parseSettings(endpoint ? { endpoint } : {})
    const target = endpoint ? parseEndpoint(endpoint) : { host: 'cloudkms.googleapis.com', port: 443, insecure: false }
    this.#client = GcpKmsClient.sdkClient(settings, target, accessToken)
    this.#callOptions = accessToken ? { otherArgs: { headers: { authorization: `Bearer ${accessToken}` } } } : {}
  }

  /** Creates `projects/<project>/locations/<location>/keyRings/<prefix>-<hex>`; returns its name. */
  async createKeyRing(project: string, location: string, prefix: string): Promise<string> {
    const [ring] = await this.#client.createKeyRing(
      { parent: `projects/${project}/locations/${location}`, keyRingId: `${prefix}-${randomBytes(4).toString('hex')}` },
      this.#callOptions,
    )
    return ring.name as string
  }

  /** A new ENCRYPT_DECRYPT key (version 1 primary) in `keyRing`; returns its resource name. */
  async createKey(keyRing: string, prefix: string): Promise<string> {
    const [key] = await this.#client.createCryptoKey(
      {
        parent: keyRing,
        cryptoKeyId: `${prefix}-${randomBytes(6).toString('hex')}`,
        cryptoKey: { purpose: 'ENCRYPT_DECRYPT' },
      },
      this.#callOptions,
    )
    return key.name as string
  }

  /** Manual rotation: a new version, made primary; returns its version id. */
  async rotateKey(keyName: string): Promise<string> {
    const [version] = await this.#client.createCryptoKeyVersion(
      { parent: keyName, cryptoKeyVersion: {} },
      this.#callOptions,
    )
    const id = (version.name as string).split('/').pop() as string
    await this.#client.updateCryptoKeyPrimaryVersion({ name: keyName, cryptoKeyVersionId: id }, this.#callOptions)
    return id
  }

  /** The primary version's id of `keyName`. */
  async primaryVersion(keyName: string): Promise<string | undefined> {
    const [key] = await this.#client.getCryptoKey({ name: keyName }, this.#callOptions)
    return key.primary?.name?.split('/').pop()
  }

  /** Replaces the IAM policy of a key ring or key with these bindings. */
  async setIamPolicy(resource: string, bindings: { role: string; members: string[] }[]): Promise<void> {
    const request = { resource, policy: { bindings } } as unknown as Parameters<SdkClient['setIamPolicy']>[0]
    await this.#client.setIamPolicy(request, this.#callOptions)
  }

  /** Schedules every version of `keyName` for destruction (Cloud KMS keys themselves cannot be deleted). */
  async destroyKey(keyName: string): Promise<void> {
    const [versions] = await this.#client.listCryptoKeyVersions({ parent: keyName }, this.#callOptions)
    for (const version of versions) {
      if (version.state === 'ENABLED' || version.state === 'DISABLED') {
        await this.#client.destroyCryptoKeyVersion({ name: version.name as string }, this.#callOptions)
      }
    }
  }

  async close(): Promise<void> {
    await this.#client.close()
  }
}
