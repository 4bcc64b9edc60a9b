import type { Algorithm } from '../crypto/module-cipher.js'
import { MalformedFileError, UnsupportedError } from '../errors.js'
import type { EncryptionAlgorithm } from '../thrift/parquet-structs.js'
import { UNKNOWN_FIELDS } from '../thrift/struct-codec.js'

/** The EncryptionAlgorithm union, flattened. */
export interface AlgorithmParameters {
  readonly algorithm: Algorithm
  readonly aadFileUnique: Uint8Array
  readonly aadPrefix?: Uint8Array
  readonly supplyAadPrefix: boolean
}

export function algorithmParameters(union: EncryptionAlgorithm): AlgorithmParameters {
  const algorithm: Algorithm | undefined = union.AES_GCM_V1
    ? 'AES_GCM_V1'
    : union.AES_GCM_CTR_V1
      ? 'AES_GCM_CTR_V1'
      : undefined
  const params = union.AES_GCM_V1 ?? union.AES_GCM_CTR_V1
  if (!algorithm || !params) {
    const ids = (union[UNKNOWN_FIELDS] ?? []).map((f) => f.id).join(', ')
    throw new UnsupportedError(`unsupported encryption algorithm (union field ${ids || 'none'})`)
  }
  const aadFileUnique = params.aad_file_unique
  if (!aadFileUnique || aadFileUnique.length === 0) {
    // The spec leaves its length to the writer (all known writers use 8); it must not be empty.
    throw new MalformedFileError('encryption algorithm has no aad_file_unique')
  }
  return {
    algorithm,
    aadFileUnique,
    ...(params.aad_prefix ? { aadPrefix: params.aad_prefix } : {}),
    supplyAadPrefix: params.supply_aad_prefix === true,
  }
}
