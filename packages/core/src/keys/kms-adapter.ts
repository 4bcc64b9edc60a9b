import type { AdapterSettingsDefinition } from './adapter-settings.js'
import type { KmsClientFactory } from './kms-client.js'

/**
 * Settings of a KMS backend beyond the connection config (instance id, URL, token): region,
 * endpoint, auth method, key list... From the config file, PME_* variables and flags, as strings.
 */
export type KmsAdapterSettings = Readonly<Record<string, string>>

/**
 * What every `@pme/kms-<type>` package exports, so the CLI and applications can load a backend by
 * name: `(await import('@pme/kms-vault')).createKmsClientFactory(settings)`.
 */
export interface KmsAdapter {
  /** The settings the adapter takes: checked by createKmsClientFactory, listed by `pme config schema`. */
  readonly adapterSettings: AdapterSettingsDefinition
  createKmsClientFactory(settings: KmsAdapterSettings): KmsClientFactory | Promise<KmsClientFactory>
}
