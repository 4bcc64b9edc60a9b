/**
 * Every setting `pme` takes from `pme.config.json`, `PME_*` variables and flags: one table, from which
 * the resolver, the JSON Schema and `pme config show` are made, so they cannot drift apart.
 */

export type ConfigSection = 'kms' | 'encryption'

export type OptionKind = 'string' | 'secret' | 'boolean' | 'integer' | 'keyBits' | 'algorithm' | 'columnKeys'

export interface OptionSpec {
  readonly section: ConfigSection
  /** The camelCase name in its section of `pme.config.json`. */
  readonly name: string
  readonly kind: OptionKind
  /** parquet-java's Hadoop property, so a Spark user's settings carry over. */
  readonly hadoop?: string
  readonly env?: string
  /** The command-line flag (without `--`); a boolean flag sets `flagSets` (default true). */
  readonly flag?: string
  readonly flagSets?: boolean
  /** Secrets: the flag and the variable that name a file holding the value (kept off the command line). */
  readonly fileFlag?: string
  readonly fileEnv?: string
  readonly description: string
}

export const ALGORITHMS = ['AES_GCM_V1', 'AES_GCM_CTR_V1'] as const
export const HADOOP_PREFIX = 'parquet.encryption.'

export const OPTIONS: readonly OptionSpec[] = [
  {
    section: 'kms',
    name: 'type',
    flag: 'kms',
    kind: 'string',
    env: 'PME_KMS',
    description: 'KMS backend: local (default), http, vault, aws, gcp, azure, ibm: loads @pme/kms-<type>',
  },
  {
    section: 'kms',
    name: 'instanceId',
    flag: 'kms-instance-id',
    kind: 'string',
    hadoop: 'kms.instance.id',
    env: 'PME_KMS_INSTANCE_ID',
    description: 'KMS instance id (default "DEFAULT")',
  },
  {
    section: 'kms',
    name: 'instanceUrl',
    flag: 'kms-instance-url',
    kind: 'string',
    hadoop: 'kms.instance.url',
    env: 'PME_KMS_INSTANCE_URL',
    description: 'KMS instance URL (default "DEFAULT")',
  },
  {
    section: 'kms',
    name: 'accessToken',
    flag: 'access-token',
    kind: 'secret',
    hadoop: 'key.access.token',
    env: 'PME_ACCESS_TOKEN',
    fileFlag: 'access-token-file',
    fileEnv: 'PME_ACCESS_TOKEN_FILE',
    description: 'access token sent to the KMS (default "DEFAULT")',
  },
  {
    section: 'kms',
    name: 'keyList',
    flag: 'key-list',
    kind: 'secret',
    hadoop: 'key.list',
    env: 'PME_KEY_LIST',
    fileFlag: 'key-list-file',
    fileEnv: 'PME_KEY_LIST_FILE',
    description:
      'master keys of the local KMS, "id: <base64>, ...", and keys of files whose key metadata is a plain key id',
  },
  {
    section: 'kms',
    name: 'previousKeyList',
    flag: 'previous-key-list',
    kind: 'secret',
    env: 'PME_PREVIOUS_KEY_LIST',
    fileFlag: 'previous-key-list-file',
    fileEnv: 'PME_PREVIOUS_KEY_LIST_FILE',
    description: 'for rotate with the local KMS: the master keys the files were written with',
  },
  {
    section: 'kms',
    name: 'newKeyList',
    flag: 'new-key-list',
    kind: 'secret',
    hadoop: 'new.key.list',
    env: 'PME_NEW_KEY_LIST',
    fileFlag: 'new-key-list-file',
    fileEnv: 'PME_NEW_KEY_LIST_FILE',
    description: "for rotate, as parquet-java's InMemoryKMS: the new master keys; keyList then holds the old ones",
  },
  {
    section: 'kms',
    name: 'cacheLifetimeSeconds',
    kind: 'integer',
    hadoop: 'cache.lifetime.seconds',
    env: 'PME_CACHE_LIFETIME_SECONDS',
    description: 'lifetime of cached KMS clients and key encryption keys (default 600)',
  },
  {
    section: 'encryption',
    name: 'footerKey',
    flag: 'footer-key',
    kind: 'string',
    hadoop: 'footer.key',
    env: 'PME_FOOTER_KEY',
    description: 'master key id of the footer key',
  },
  {
    section: 'encryption',
    name: 'uniformKey',
    kind: 'string',
    hadoop: 'uniform.key',
    description: 'master key id for the footer and every column (instead of footerKey with uniform)',
  },
  {
    section: 'encryption',
    name: 'columnKeys',
    flag: 'column-keys',
    kind: 'columnKeys',
    hadoop: 'column.keys',
    env: 'PME_COLUMN_KEYS',
    description: 'master key id -> columns: "mk:col,col;mk:col" or { "mk": ["col"] }',
  },
  {
    section: 'encryption',
    name: 'uniform',
    flag: 'uniform',
    kind: 'boolean',
    env: 'PME_UNIFORM',
    description: 'encrypt every column with the footer key',
  },
  {
    section: 'encryption',
    name: 'completeColumns',
    flag: 'complete-columns',
    kind: 'boolean',
    hadoop: 'complete.columns',
    env: 'PME_COMPLETE_COLUMNS',
    description: 'encrypt the columns not in columnKeys with the footer key',
  },
  {
    section: 'encryption',
    name: 'plaintextFooter',
    flag: 'plaintext-footer',
    kind: 'boolean',
    hadoop: 'plaintext.footer',
    env: 'PME_PLAINTEXT_FOOTER',
    description: 'keep the footer readable (signed) for readers without keys',
  },
  {
    section: 'encryption',
    name: 'algorithm',
    flag: 'algorithm',
    kind: 'algorithm',
    hadoop: 'algorithm',
    env: 'PME_ALGORITHM',
    description: 'AES_GCM_V1 (default) or AES_GCM_CTR_V1',
  },
  {
    section: 'encryption',
    name: 'doubleWrapping',
    flag: 'no-double-wrapping',
    flagSets: false,
    kind: 'boolean',
    hadoop: 'double.wrapping',
    env: 'PME_DOUBLE_WRAPPING',
    description: 'wrap data keys with key encryption keys that the KMS wraps (default true)',
  },
  {
    section: 'encryption',
    name: 'internalKeyMaterial',
    flag: 'external-key-material',
    flagSets: false,
    kind: 'boolean',
    hadoop: 'key.material.store.internally',
    env: 'PME_INTERNAL_KEY_MATERIAL',
    description: 'key material in the file (default true) or in _KEY_MATERIAL_FOR_<file>.json beside it',
  },
  {
    section: 'encryption',
    name: 'dataKeyBits',
    flag: 'data-key-bits',
    kind: 'keyBits',
    hadoop: 'data.key.length.bits',
    env: 'PME_DATA_KEY_BITS',
    description: 'data key length: 128 (default), 192 or 256',
  },
  {
    section: 'encryption',
    name: 'kekBits',
    kind: 'keyBits',
    hadoop: 'kek.length.bits',
    description: 'key encryption key length: 128 (default), 192 or 256',
  },
  {
    section: 'encryption',
    name: 'aadPrefix',
    flag: 'aad-prefix',
    kind: 'string',
    env: 'PME_AAD_PREFIX',
    description: 'AAD prefix the output is bound to',
  },
  {
    section: 'encryption',
    name: 'storeAadPrefix',
    flag: 'no-store-aad-prefix',
    flagSets: false,
    kind: 'boolean',
    env: 'PME_STORE_AAD_PREFIX',
    description: 'store the AAD prefix in the file (default true); false makes readers supply it',
  },
]
