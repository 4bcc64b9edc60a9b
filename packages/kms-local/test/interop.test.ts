import { readFileSync } from 'node:fs'
import { CryptoFactory, decryptKeyLocally, KmsError, readParquet } from '@pme/core'
import { describe, expect, it } from 'vitest'
import { LocalKms, localKmsClientFactory } from '../src/index.js'
import {
  ascii,
  caught,
  DEK,
  dataPath,
  KC1,
  KC2,
  KEY_LIST,
  KF,
  referenceUnwrap,
  referenceWrap,
  skipWithout,
} from './helpers.js'

/*
 * Byte compatibility with parquet-java's InMemoryKMS and Arrow's TestOnlyInServerWrapKms: against an
 * implementation written here from the definition, and against key material parquet-java wrote.
 */

describe('interop with an independent node:crypto implementation', () => {
  // A non-ASCII id: the AAD is the id's UTF-8 bytes, not Latin-1 or UTF-16.
  const id = 'clé-ü-🔑'
  const master = ascii('fedcba9876543210fedcba9876543210')
  const kms = new LocalKms(new Map([[id, master]]))

  it('unwraps what the reference wraps', () => {
    expect(kms.unwrap(referenceWrap(DEK, master, id), id)).toEqual(DEK)
  })

  it('wraps what the reference unwraps', () => {
    expect(referenceUnwrap(kms.wrap(DEK, id), master, id)).toEqual(DEK)
  })

  it('round-trips 24 and 32-byte keys both ways', () => {
    for (const size of [24, 32]) {
      const key = new Uint8Array(size).map((_, index) => index * 7)
      expect(kms.unwrap(referenceWrap(key, master, id), id)).toEqual(key)
      expect(referenceUnwrap(kms.wrap(key, id), master, id)).toEqual(key)
    }
  })
})

const JAVA_MATERIAL = '_KEY_MATERIAL_FOR_external_key_material_java.parquet.encrypted.json'
const JAVA_FILE = 'external_key_material_java.parquet.encrypted'

interface JavaKeyMaterial {
  masterKeyID: string
  wrappedKEK: string
  wrappedDEK: string
  keyEncryptionKeyID: string
  doubleWrapping: boolean
}

describe.skipIf(skipWithout(JAVA_MATERIAL, 'parquet-java key material'))(
  'parquet-java InMemoryKMS key material',
  () => {
    const load = (): Record<string, JavaKeyMaterial> => {
      const outer = JSON.parse(readFileSync(dataPath(JAVA_MATERIAL), 'utf8')) as Record<string, string>
      // Each entry is the key material JSON as a string (doubly encoded), as parquet-java stores it.
      return Object.fromEntries(Object.entries(outer).map(([ref, text]) => [ref, JSON.parse(text) as JavaKeyMaterial]))
    }
    const kms = new LocalKms(KEY_LIST)

    it('unwraps every KEK, and each KEK opens its wrapped DEK', () => {
      const material = load()
      expect(Object.keys(material).sort()).toEqual(['columnKey0', 'columnKey1', 'footerKey'])
      for (const entry of Object.values(material)) {
        expect(entry.doubleWrapping).toBe(true)
        const kek = kms.unwrap(entry.wrappedKEK, entry.masterKeyID)
        expect(kek.length).toBe(16)
        const kekId = new Uint8Array(Buffer.from(entry.keyEncryptionKeyID, 'base64'))
        expect(kekId.length).toBe(16)
        expect(decryptKeyLocally(entry.wrappedDEK, kek, kekId).length).toBe(16)
      }
      expect(new Set(Object.values(material).map((entry) => entry.masterKeyID))).toEqual(new Set(['kf', 'kc1', 'kc2']))
    })

    it('agrees with the independent implementation on every Java KEK', () => {
      const masters: Record<string, Uint8Array> = { kf: KF, kc1: KC1, kc2: KC2 }
      for (const entry of Object.values(load())) {
        const reference = referenceUnwrap(entry.wrappedKEK, masters[entry.masterKeyID] as Uint8Array, entry.masterKeyID)
        expect(kms.unwrap(entry.wrappedKEK, entry.masterKeyID)).toEqual(reference)
      }
    })

    it('refuses a Java KEK under the wrong master key id', async () => {
      const footer = load().footerKey as JavaKeyMaterial
      const error = await caught(() => kms.unwrap(footer.wrappedKEK, 'kc1'))
      expect(error).toBeInstanceOf(KmsError)
    })

    it.skipIf(skipWithout(JAVA_FILE, 'parquet-java file read through the key tools'))(
      'reads the parquet-java file through CryptoFactory with this KMS',
      async () => {
        const path = dataPath(JAVA_FILE)
        const local = new LocalKms(KEY_LIST)
        const factory = new CryptoFactory(localKmsClientFactory(local))
        const rows = await readParquet(path, factory.fileDecryptionProperties({}, {}, path))
        expect(rows.length).toBe(100)
        expect(rows.slice(0, 2)).toEqual([
          { integers: 0, strings: 'a0' },
          { integers: 1, strings: 'b1' },
        ])
        // One KEK per master key: kf (footer), kc1 and kc2 (the two columns).
        expect(local.stats().total).toEqual({ wrapCalls: 0, unwrapCalls: 3, denied: 0 })
      },
    )
  },
)
