import {
  type KmsClient,
  type KmsClientFactory,
  type KmsConnectionConfig,
  KmsKeyNotFoundError,
  kmsConnectionConfig,
} from '@pme/core'
import type { LocalKms } from '@pme/kms-local'

/** An adapter behind the server: its factory, and the connection the server uses it with (its own credentials). */
export interface AdapterBackend {
  readonly factory: KmsClientFactory
  readonly connection?: Partial<KmsConnectionConfig>
  /** For messages: "vault", "aws"... */
  readonly name?: string
}

/** What wraps and unwraps behind the server: a LocalKms (without an access policy of its own), or an adapter. */
export type KmsServerBackend = LocalKms | AdapterBackend

/** The backend as the server calls it. An id it does not hold fails with KmsKeyNotFoundError. */
export type KeyService = KmsClient

function isAdapter(backend: KmsServerBackend): backend is AdapterBackend {
  return typeof (backend as AdapterBackend).factory === 'function'
}

/** LocalKms answers an unknown id with a plain KmsError; the server needs to tell it apart (404). */
function localKeyService(kms: LocalKms): KeyService {
  const known = (masterKeyId: string) => {
    if (kms.versionCount(masterKeyId) === 0) throw new KmsKeyNotFoundError(`master key "${masterKeyId}" not found`)
  }
  return {
    async wrapKey(key, masterKeyId) {
      known(masterKeyId)
      return kms.wrap(key, masterKeyId)
    },
    async unwrapKey(wrapped, masterKeyId) {
      known(masterKeyId)
      return kms.unwrap(wrapped, masterKeyId)
    },
  }
}

/** The KeyService of a backend; an adapter's client is created here, once. */
export async function openBackend(backend: KmsServerBackend): Promise<KeyService> {
  if (!isAdapter(backend)) return localKeyService(backend)
  return backend.factory(kmsConnectionConfig(backend.connection))
}
