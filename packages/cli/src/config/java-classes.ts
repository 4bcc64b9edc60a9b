import { UsageError } from '@pme/core'

/**
 * Java class names in a Spark user's Hadoop properties (IBM's Spark guide, parquet-java's docs), and
 * what they mean here: pme is itself the key tools' crypto factory, and its KMS backends stand in for
 * the Java KMS clients.
 */
export const CRYPTO_FACTORY_PROPERTY = 'parquet.crypto.factory.class'
export const KMS_CLIENT_PROPERTY = 'parquet.encryption.kms.client.class'

/** Crypto factories whose properties pme implements: the key tools' two entry points. */
export const KEY_TOOLS_FACTORIES = [
  'org.apache.parquet.crypto.keytools.PropertiesDrivenCryptoFactory',
  'com.ibm.parquet.key.management.IBMKeyToolsFactory',
]

/** KMS client classes -> pme backend (`kms.type`). */
export const KMS_CLIENT_CLASSES: Readonly<Record<string, string>> = {
  'org.apache.parquet.crypto.keytools.mocks.InMemoryKMS': 'local',
  'org.apache.parquet.crypto.keytools.samples.VaultClient': 'vault',
}

/** Accepts the key tools' crypto factories (nothing to set: pme is one); refuses any other factory. */
export function checkCryptoFactoryClass(value: unknown, where: string): void {
  if (typeof value === 'string' && KEY_TOOLS_FACTORIES.includes(value.trim())) return
  throw new UsageError(
    `${where}: ${CRYPTO_FACTORY_PROPERTY} ${JSON.stringify(value)} is not a key tools factory; pme implements ` +
      `${KEY_TOOLS_FACTORIES.join(' and ')} (remove the property, or set one of these)`,
  )
}

/** The pme backend that stands for a Java KMS client class. */
export function kmsTypeOfClientClass(value: unknown, where: string): string {
  const type = typeof value === 'string' ? KMS_CLIENT_CLASSES[value.trim()] : undefined
  if (type) return type
  throw new UsageError(
    `${where}: ${KMS_CLIENT_PROPERTY} ${JSON.stringify(value)} has no pme backend; set kms.type instead ` +
      `(local, http, vault, aws, gcp, azure, ibm; known classes: ${Object.keys(KMS_CLIENT_CLASSES).join(', ')})`,
  )
}
