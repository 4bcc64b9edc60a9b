import { CryptoFactory, writeParquet } from '@pme/core'
import type { DemoKms } from './demo-kms.js'
import { PEOPLE_SCHEMA, type People, peopleColumns } from './people.js'
import { columnKeysByMasterKey, FOOTER_LEVEL, masterKeyIdOf } from './privileges.js'

/**
 * Writes the people table encrypted: the footer with the PUBLIC master key, each sensitive column
 * with its level's key, `id` in plaintext. Key tools defaults: AES_GCM_V1, double wrapping, key
 * material inside the file. The writer sends no token, like the seed's (the KMS checks unwrapping).
 */
export async function writePeople(path: string, people: People, kms: DemoKms): Promise<void> {
  const cryptoFactory = new CryptoFactory(kms.clientFactory)
  const encryption = await cryptoFactory.fileEncryptionProperties(kms.connection(undefined), {
    footerKey: masterKeyIdOf(FOOTER_LEVEL),
    columnKeys: columnKeysByMasterKey(),
  })
  await writeParquet(path, { columns: peopleColumns(people) }, { encryption, schema: PEOPLE_SCHEMA })
}
