import { DEFAULT_KMS_VALUE, type KmsClient, type KmsClientFactory } from '@pme/core'
import type { LocalKms } from './local-kms.js'

/** A KmsClient over a LocalKms, bound to one access token (parquet-java's InMemoryKMS client role). */
export class LocalKmsClient implements KmsClient {
  readonly #kms: LocalKms
  // Private (#) so that logging a client never prints its token.
  readonly #accessToken: string

  constructor(kms: LocalKms, accessToken: string = DEFAULT_KMS_VALUE) {
    this.#kms = kms
    this.#accessToken = accessToken
  }

  async wrapKey(key: Uint8Array, masterKeyId: string): Promise<string> {
    return this.#kms.wrap(key, masterKeyId, this.#accessToken)
  }

  async unwrapKey(wrapped: string, masterKeyId: string): Promise<Uint8Array> {
    return this.#kms.unwrap(wrapped, masterKeyId, this.#accessToken)
  }
}

/**
 * The factory for `new CryptoFactory(...)`: every client talks to the same `kms`, with the access
 * token of its connection config. Instance id and URL are ignored: there is one in-process instance.
 */
export function localKmsClientFactory(kms: LocalKms): KmsClientFactory {
  return (config) => new LocalKmsClient(kms, config.keyAccessToken)
}
