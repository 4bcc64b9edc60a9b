import { InvalidKeyError, UsageError } from '../errors.js'
import type { KeyRetriever } from './decryption-properties.js'

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

/**
 * Parses parquet-java's key list format, `"id: <base64>, id: <base64>"` (the value of
 * `parquet.encryption.key.list`). Errors name the key id, never the key.
 */
export function parseKeyList(text: string): Map<string, Uint8Array> {
  const keys = new Map<string, Uint8Array>()
  for (const entry of text.split(',')) {
    if (entry.trim() === '') continue
    const colon = entry.indexOf(':')
    if (colon < 0) throw new UsageError('key list entry has no "id: key" form (expected "id: <base64>, id: <base64>")')
    const id = entry.slice(0, colon).trim()
    const encoded = entry.slice(colon + 1).trim()
    if (id === '') throw new UsageError('key list entry has an empty key id')
    if (!BASE64.test(encoded) || encoded.length % 4 !== 0) {
      throw new InvalidKeyError(`key "${id}" in the key list is not valid base64`)
    }
    if (keys.has(id)) throw new UsageError(`key "${id}" appears twice in the key list`)
    keys.set(id, new Uint8Array(Buffer.from(encoded, 'base64')))
  }
  return keys
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** A retriever for files whose key_metadata is a plain key id (`kf`, `kc1`, as in parquet-testing). */
export function keyListRetriever(keys: ReadonlyMap<string, Uint8Array>): KeyRetriever {
  return (keyMetadata) => {
    let id: string
    try {
      id = utf8.decode(keyMetadata)
    } catch {
      return undefined
    }
    return keys.get(id)
  }
}
