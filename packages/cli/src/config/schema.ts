import type { AdapterSettingsDefinition } from '@pme/core'
import {
  CRYPTO_FACTORY_PROPERTY,
  KEY_TOOLS_FACTORIES,
  KMS_CLIENT_CLASSES,
  KMS_CLIENT_PROPERTY,
} from './java-classes.js'
import { ALGORITHMS, type ConfigSection, HADOOP_PREFIX, OPTIONS, type OptionKind } from './options.js'

const COLUMN_KEYS_OBJECT = {
  type: 'object',
  additionalProperties: { type: 'array', items: { type: 'string' }, minItems: 1 },
}

/** The JSON Schema of one kind of value; strings are accepted for what Hadoop properties spell as text. */
function valueSchema(kind: OptionKind): object {
  switch (kind) {
    case 'boolean':
      return { anyOf: [{ type: 'boolean' }, { type: 'string', enum: ['true', 'false'] }] }
    case 'integer':
      return {
        anyOf: [
          { type: 'integer', minimum: 1 },
          { type: 'string', pattern: '^[0-9]*[1-9][0-9]*$' },
        ],
      }
    case 'keyBits':
      return { anyOf: [{ enum: [128, 192, 256] }, { type: 'string', enum: ['128', '192', '256'] }] }
    case 'algorithm':
      return { type: 'string', enum: [...ALGORITHMS] }
    case 'columnKeys':
      return { anyOf: [{ type: 'string' }, COLUMN_KEYS_OBJECT] }
    default:
      return { type: 'string' }
  }
}

function hadoopProperties(section?: ConfigSection): Record<string, object> {
  const entries = OPTIONS.filter((option) => option.hadoop && (!section || option.section === section)).map(
    (option) => [
      HADOOP_PREFIX + option.hadoop,
      { ...valueSchema(option.kind), description: `= ${option.section}.${option.name}` },
    ],
  )
  return Object.fromEntries(entries)
}

function sectionSchema(section: ConfigSection, extra: Record<string, object> = {}): object {
  const own = OPTIONS.filter((option) => option.section === section).map((option) => [
    option.name,
    { ...valueSchema(option.kind), description: option.description },
  ])
  return {
    type: 'object',
    additionalProperties: false,
    properties: { ...Object.fromEntries(own), ...hadoopProperties(section), ...extra },
  }
}

/**
 * `kms.settings` checked against the settings of the adapter `kms.type` names (local when absent),
 * for every adapter installed; settings of an adapter not installed are not checked here.
 */
function adapterSettingsRules(adapters: ReadonlyMap<string, AdapterSettingsDefinition>): object[] {
  return [...adapters].map(([type, definition]) => {
    // kms.type names the adapter; absent, it is local (a `properties` rule holds when the name is absent).
    const kmsType = { type: 'object', properties: { type: { const: type } } }
    return {
      if:
        type === 'local'
          ? { type: 'object', properties: { kms: kmsType } }
          : { type: 'object', required: ['kms'], properties: { kms: { ...kmsType, required: ['type'] } } },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keywords
      then: { properties: { kms: { type: 'object', properties: { settings: definition.jsonSchema() } } } },
    }
  })
}

/**
 * The JSON Schema of `pme.config.json`, made from the option table and the installed adapters'
 * settings (`pme config schema` prints it).
 */
export function configSchema(serverSchema: object, adapters: ReadonlyMap<string, AdapterSettingsDefinition>): object {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'pme.config.json',
    description: 'Configuration of the pme command: values yield to PME_* environment variables, which yield to flags.',
    type: 'object',
    additionalProperties: false,
    allOf: adapterSettingsRules(adapters),
    properties: {
      $schema: { type: 'string' },
      kms: sectionSchema('kms', {
        settings: {
          type: 'object',
          description:
            'settings of the KMS adapter (see its README): region, endpoint, auth method...; any value may be "$env:NAME" or "$file:/path"',
          additionalProperties: { type: ['string', 'number', 'boolean'] },
        },
        [KMS_CLIENT_PROPERTY]: { enum: Object.keys(KMS_CLIENT_CLASSES), description: '= kms.type of the class' },
      }),
      encryption: sectionSchema('encryption'),
      server: serverSchema,
      ...hadoopProperties(),
      [CRYPTO_FACTORY_PROPERTY]: {
        enum: KEY_TOOLS_FACTORIES,
        description: 'accepted as Spark configurations set it: pme is the key tools crypto factory',
      },
      [KMS_CLIENT_PROPERTY]: { enum: Object.keys(KMS_CLIENT_CLASSES), description: '= kms.type of the class' },
    },
  }
}
