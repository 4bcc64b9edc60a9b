import type { Algorithm } from '../crypto/module-cipher.js'

/** A data key and the key_metadata stored with it (a key id, or PKMT1 key material). */
export interface KeySpec {
  readonly key: Uint8Array
  readonly keyMetadata?: Uint8Array
}

/**
 * How to encrypt a file, with explicit keys. Names follow parquet-java's FileEncryptionProperties.
 * The KMS key tools build these from master key ids; here every key is given.
 */
export interface EncryptionProperties {
  readonly footerKey: KeySpec
  /**
   * Keys by column: a leaf dot path (`a.b.list.element`) or a group name, which means all leaves
   * under it (as pyarrow allows). Absent or empty: every column is encrypted with the footer key.
   */
  readonly columnKeys?: Readonly<Record<string, KeySpec>>
  /** With columnKeys: encrypt the columns not listed with the footer key instead of leaving them plaintext. */
  readonly completeColumns?: boolean
  /** Keep the footer readable (signed with the footer key) so that legacy readers see the schema. */
  readonly plaintextFooter?: boolean
  readonly algorithm?: Algorithm
  readonly aadPrefix?: Uint8Array | string
  /** Store the AAD prefix in the file (default true); when false, readers must supply it. */
  readonly storeAadPrefix?: boolean
}
