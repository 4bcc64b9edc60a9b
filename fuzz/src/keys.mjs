import { CryptoFactory, decryptKeyLocally, encryptKeyLocally, KmsKeyNotFoundError } from '@pme/core'

/*
 * The fixed keys of the fuzz bases. Explicit-key bases carry the key ids "kf" and "kc" as key
 * metadata; KMS bases carry PKMT1 key material wrapped by an in-process KMS with fixed master keys
 * (InMemoryKMS's local wrapping). Fixed keys keep every mutated input reproducible from its seed.
 */
const ascii = (text) => new TextEncoder().encode(text)

export const FOOTER_KEY = ascii('0123456789012345')
export const COLUMN_KEY = ascii('1234567890123450')
export const MASTER_KEYS = { kf: FOOTER_KEY, kc: COLUMN_KEY }

/** parquet-testing's encrypted files: key metadata kf, kc1, kc2 (ASCII digit strings). */
const TESTING_KEYS = {
  kf: FOOTER_KEY,
  kc1: COLUMN_KEY,
  kc2: ascii('1234567890123451'),
}

const utf8 = new TextDecoder()

function kmsClient() {
  return {
    wrapKey: async (key, masterKeyId) => encryptKeyLocally(key, MASTER_KEYS[masterKeyId], ascii(masterKeyId)),
    unwrapKey: async (wrapped, masterKeyId) => {
      const master = MASTER_KEYS[masterKeyId]
      if (!master) throw new KmsKeyNotFoundError(`unknown master key ${masterKeyId}`)
      return decryptKeyLocally(wrapped, master, ascii(masterKeyId))
    },
  }
}

export const cryptoFactory = new CryptoFactory(() => kmsClient())

/** Decryption properties that know every key a base may use: key ids and KMS key material alike. */
export function decryptionProperties(aadPrefix) {
  const byId = (metadata) => TESTING_KEYS[utf8.decode(metadata)]
  const kms = cryptoFactory.fileDecryptionProperties({}).keyRetriever
  return {
    keyRetriever: async (metadata) => byId(metadata) ?? (metadata[0] === 0x7b ? kms(metadata) : undefined),
    ...(aadPrefix ? { aadPrefix } : {}),
  }
}
