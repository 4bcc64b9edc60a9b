/**
 * The KMS contract every adapter implements (architecture.md). Wrapped keys are strings so that a
 * Java or Python KmsClient written the obvious way can read them.
 */
export interface KmsClient {
  wrapKey(key: Uint8Array, masterKeyId: string): Promise<string>
  unwrapKey(wrapped: string, masterKeyId: string): Promise<Uint8Array>
  /**
   * Optional: releases what the client holds open (SDK clients, gRPC channels, sockets), so a
   * process that is done with it can exit. A CryptoFactory calls it when a cached client is evicted
   * (after its in-flight calls) and when the factory is closed; the client is not used afterwards.
   */
  close?(): void | Promise<void>
}

export interface KmsConnectionConfig {
  kmsInstanceId: string
  kmsInstanceUrl: string
  keyAccessToken: string
  custom: Record<string, string>
}

export type KmsClientFactory = (config: KmsConnectionConfig) => KmsClient | Promise<KmsClient>

/** parquet-java's and Arrow's default for instance id, URL and token. */
export const DEFAULT_KMS_VALUE = 'DEFAULT'

export function kmsConnectionConfig(partial: Partial<KmsConnectionConfig> = {}): KmsConnectionConfig {
  return {
    kmsInstanceId: partial.kmsInstanceId || DEFAULT_KMS_VALUE,
    kmsInstanceUrl: partial.kmsInstanceUrl || DEFAULT_KMS_VALUE,
    keyAccessToken: partial.keyAccessToken || DEFAULT_KMS_VALUE,
    custom: { ...(partial.custom ?? {}) },
  }
}
