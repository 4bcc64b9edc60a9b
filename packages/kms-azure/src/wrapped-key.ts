import { KmsError } from '@pme/core'
import { WRAP_ALGORITHMS, type WrapAlgorithm } from './settings.js'

/**
 * The wrapped-key string: compact JSON with three fields, in this order,
 *   {"kid":"https://<vault>/keys/<name>/<version>","alg":"RSA-OAEP-256","value":"<base64url, no padding>"}
 * `kid` is the full key identifier Key Vault answered for the wrap (its version included), `alg`
 * the wrap algorithm and `value` the wrapped bytes as the Key Vault REST API writes them. A Java or
 * Python client parses it with any JSON library and passes `value` and `alg` to unwrapKey of the
 * key version that `kid` names.
 */
export interface WrappedKey {
  readonly kid: string
  readonly alg: WrapAlgorithm
  readonly value: Uint8Array
}

/** `https://v.vault.azure.net/keys/name/version` → name and version (the host is not used to unwrap). */
export interface KeyIdParts {
  readonly name: string
  readonly version: string
}

const KEY_ID = /^https?:\/\/[^/]+\/keys\/([0-9A-Za-z-]+)\/([0-9A-Za-z-]+)$/
const BASE64URL = /^[A-Za-z0-9_-]*$/

export function keyIdParts(kid: string): KeyIdParts | undefined {
  const match = KEY_ID.exec(kid)
  return match ? { name: match[1] as string, version: match[2] as string } : undefined
}

export function formatWrappedKey(wrapped: WrappedKey): string {
  return JSON.stringify({ kid: wrapped.kid, alg: wrapped.alg, value: Buffer.from(wrapped.value).toString('base64url') })
}

/** Parses a wrapped-key string; throws KmsError (naming the master key, never the content) when it is not one. */
export function parseWrappedKey(text: string, masterKeyId: string): WrappedKey & KeyIdParts {
  const fail = (why: string) =>
    new KmsError(`Azure Key Vault: the wrapped key for master key "${masterKeyId}" is not a wrapped-key JSON (${why})`)
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw fail('not JSON')
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw fail('not a JSON object')
  const { kid, alg, value } = parsed as Record<string, unknown>
  if (typeof kid !== 'string') throw fail('no "kid"')
  const parts = keyIdParts(kid)
  if (!parts) throw fail('"kid" is not a versioned Key Vault key identifier')
  if (typeof alg !== 'string' || !WRAP_ALGORITHMS.includes(alg as WrapAlgorithm)) throw fail('unknown "alg"')
  if (typeof value !== 'string' || value.length === 0 || !BASE64URL.test(value)) throw fail('"value" is not base64url')
  return { kid, alg: alg as WrapAlgorithm, value: new Uint8Array(Buffer.from(value, 'base64url')), ...parts }
}

/** `name` or `name/version` (the master key id as users write it). */
export function parseMasterKeyId(masterKeyId: string): { name: string; version: string | undefined } | undefined {
  const match = /^([0-9A-Za-z-]{1,127})(?:\/([0-9A-Za-z-]+))?$/.exec(masterKeyId)
  return match ? { name: match[1] as string, version: match[2] } : undefined
}
