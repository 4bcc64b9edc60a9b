import type { KmsClientFactory, KmsConnectionConfig } from '@pme/core'

/** The KMS the demo writes and reads through: in this process, or behind HTTP. */
export interface DemoKms {
  /** What it is, for the report's header. */
  readonly description: string
  /** The HTTP KMS's base URL; none for the embedded KMS. */
  readonly url?: string
  /** What `new CryptoFactory(...)` takes. */
  readonly clientFactory: KmsClientFactory
  /** The connection settings for a caller holding `token` (undefined: no token, the PUBLIC level). */
  connection(token: string | undefined): Partial<KmsConnectionConfig>
  close(): Promise<void>
}
