/**
 * Turns a key_metadata value into the key bytes, or undefined when it does not know the key.
 * This is the seam the KMS key tools plug into: they parse PKMT1 key material and unwrap with a KMS.
 */
export type KeyRetriever = (keyMetadata: Uint8Array) => Uint8Array | undefined | Promise<Uint8Array | undefined>

/** What a reader may know to decrypt a file. Names follow parquet-java's FileDecryptionProperties. */
export interface DecryptionProperties {
  /** Explicit footer key; wins over the key retriever. */
  footerKey?: Uint8Array
  /** Explicit column keys by dot path (`a.b.list.element`); win over the key retriever. */
  columnKeys?: Readonly<Record<string, Uint8Array>>
  keyRetriever?: KeyRetriever
  /** For files written with an AAD prefix that was not stored (`supply_aad_prefix`). */
  aadPrefix?: Uint8Array | string
  /** Called with the file's AAD prefix; throw to reject the file. */
  aadPrefixVerifier?: (aadPrefix: Uint8Array) => void
  /** Verify a plaintext footer's signature (default true; needs the footer key). */
  checkFooterSignature?: boolean
  /**
   * Refuse what is otherwise read with a warning: a bloom filter of an encrypted column stored
   * unencrypted (arrow-rs writes them so, against the spec). By default such a filter is dropped, since
   * it cannot be authenticated, and `onWarning` is told.
   */
  strict?: boolean
  /** Receives warnings about content that was read but not trusted (default: none are reported). */
  onWarning?: (message: string) => void
}

export function hasKeySource(props: DecryptionProperties | undefined): boolean {
  if (!props) return false
  return props.footerKey !== undefined || props.keyRetriever !== undefined || props.columnKeys !== undefined
}

/** Asks each retriever in turn; the first that knows the key wins (key tools, then a key list...). */
export function combineKeyRetrievers(...retrievers: readonly KeyRetriever[]): KeyRetriever {
  return async (keyMetadata) => {
    for (const retriever of retrievers) {
      const key = await retriever(keyMetadata)
      if (key) return key
    }
    return undefined
  }
}
