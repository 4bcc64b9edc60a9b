import { MalformedFileError } from '../errors.js'
import {
  KEY_MATERIAL_TYPE,
  type KeyMaterial,
  keyMaterialFromObject,
  parseJsonObject,
  serializeKeyMaterial,
} from './key-material.js'

/** What a file's key_metadata holds: the key material itself, or a reference into an external store. */
export type KeyMetadata =
  | { readonly internal: true; readonly material: KeyMaterial }
  | { readonly internal: false; readonly keyReference: string }

const utf8 = new TextEncoder()
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

export function internalKeyMetadata(material: KeyMaterial): Uint8Array {
  return utf8.encode(serializeKeyMaterial(material, true))
}

export function externalKeyMetadata(keyReference: string): Uint8Array {
  return utf8.encode(JSON.stringify({ keyMaterialType: KEY_MATERIAL_TYPE, internalStorage: false, keyReference }))
}

/** True when key_metadata looks like PKMT1 JSON: the reader then uses the key tools, else explicit keys. */
export function isKeyToolsMetadata(bytes: Uint8Array): boolean {
  try {
    const text = strictUtf8.decode(bytes)
    return text.trimStart().startsWith('{') && text.includes(`"${KEY_MATERIAL_TYPE}"`)
  } catch {
    return false
  }
}

export function parseKeyMetadata(bytes: Uint8Array): KeyMetadata {
  let text: string
  try {
    text = strictUtf8.decode(bytes)
  } catch {
    throw new MalformedFileError('key metadata is not UTF-8')
  }
  const json = parseJsonObject(text, 'key metadata')
  const internal = json.internalStorage
  if (typeof internal !== 'boolean') throw new MalformedFileError('key metadata field internalStorage is not a boolean')
  if (internal) return { internal: true, material: keyMaterialFromObject(json) }
  const keyReference = json.keyReference
  if (typeof keyReference !== 'string') throw new MalformedFileError('external key metadata has no keyReference')
  return { internal: false, keyReference }
}
