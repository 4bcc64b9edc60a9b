import { MalformedFileError } from '../errors.js'

export const KEY_MATERIAL_TYPE = 'PKMT1'

/** PKMT1 key material (pme-reference §6): how one data key is wrapped. */
export interface KeyMaterial {
  isFooterKey: boolean
  /** Footer key material only. */
  kmsInstanceId?: string
  kmsInstanceUrl?: string
  masterKeyId: string
  wrappedDek: string
  doubleWrapping: boolean
  /** Double wrapping only: base64 of the 16-byte KEK id, and the KEK wrapped by the KMS. */
  kekId?: string
  wrappedKek?: string
}

/**
 * The JSON object of a key material, fields in Arrow C++'s order. `internalStorage` is a key metadata
 * field that internal storage merges into the material.
 */
function keyMaterialObject(material: KeyMaterial, internalStorage?: boolean): Record<string, unknown> {
  return {
    keyMaterialType: KEY_MATERIAL_TYPE,
    ...(internalStorage === undefined ? {} : { internalStorage }),
    isFooterKey: material.isFooterKey,
    ...(material.isFooterKey ? { kmsInstanceID: material.kmsInstanceId, kmsInstanceURL: material.kmsInstanceUrl } : {}),
    masterKeyID: material.masterKeyId,
    wrappedDEK: material.wrappedDek,
    doubleWrapping: material.doubleWrapping,
    ...(material.doubleWrapping ? { keyEncryptionKeyID: material.kekId, wrappedKEK: material.wrappedKek } : {}),
  }
}

export function serializeKeyMaterial(material: KeyMaterial, internalStorage?: boolean): string {
  return JSON.stringify(keyMaterialObject(material, internalStorage))
}

function field<T>(json: Record<string, unknown>, name: string, type: 'string' | 'boolean'): T {
  const value = json[name]
  // The references require JSON booleans, not strings.
  if (typeof value !== type) throw new MalformedFileError(`key material field ${name} is not a ${type}`)
  return value as T
}

export function parseJsonObject(text: string, what: string): Record<string, unknown> {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new MalformedFileError(`${what} is not JSON`)
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new MalformedFileError(`${what} is not a JSON object`)
  }
  return json as Record<string, unknown>
}

export function keyMaterialFromObject(json: Record<string, unknown>): KeyMaterial {
  const type = json.keyMaterialType
  if (type !== KEY_MATERIAL_TYPE)
    throw new MalformedFileError(`key material type ${String(type)} is not ${KEY_MATERIAL_TYPE}`)
  const isFooterKey = field<boolean>(json, 'isFooterKey', 'boolean')
  const doubleWrapping = field<boolean>(json, 'doubleWrapping', 'boolean')
  return {
    isFooterKey,
    ...(isFooterKey
      ? {
          kmsInstanceId: field<string>(json, 'kmsInstanceID', 'string'),
          kmsInstanceUrl: field<string>(json, 'kmsInstanceURL', 'string'),
        }
      : {}),
    masterKeyId: field<string>(json, 'masterKeyID', 'string'),
    wrappedDek: field<string>(json, 'wrappedDEK', 'string'),
    doubleWrapping,
    ...(doubleWrapping
      ? {
          kekId: field<string>(json, 'keyEncryptionKeyID', 'string'),
          wrappedKek: field<string>(json, 'wrappedKEK', 'string'),
        }
      : {}),
  }
}

export function parseKeyMaterial(text: string): KeyMaterial {
  return keyMaterialFromObject(parseJsonObject(text, 'key material'))
}
