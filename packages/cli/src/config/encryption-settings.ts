import { type EncryptionConfiguration, UsageError } from '@pme/core'
import { OPTIONS } from './options.js'
import { type ResolvedConfig, settingValue } from './resolve.js'

/** "--footer-key, PME_FOOTER_KEY or encryption.footerKey": every way to set an option, for messages. */
export function waysToSet(key: string): string {
  const option = OPTIONS.find((candidate) => `${candidate.section}.${candidate.name}` === key)
  if (!option) return key
  const ways = [option.flag && `--${option.flag}`, option.env, `${key} in pme.config.json`].filter(Boolean)
  return `${ways.slice(0, -1).join(', ')} or ${ways.at(-1)}`
}

function footerAndMode(config: ResolvedConfig): Pick<EncryptionConfiguration, 'footerKey' | 'uniformEncryption'> {
  const uniformKey = settingValue<string>(config, 'encryption.uniformKey')
  const footerKey = settingValue<string>(config, 'encryption.footerKey')
  if (uniformKey !== undefined) {
    const clash = ['encryption.footerKey', 'encryption.columnKeys', 'encryption.completeColumns'].find((key) =>
      config.settings.has(key),
    )
    if (clash) throw new UsageError(`uniformKey cannot be combined with ${clash}: use one or the other`)
    return { footerKey: uniformKey, uniformEncryption: true }
  }
  if (!footerKey) throw new UsageError(`no footer key: set ${waysToSet('encryption.footerKey')}`)
  const uniform = settingValue<boolean>(config, 'encryption.uniform') === true
  const columnKeys = config.settings.has('encryption.columnKeys')
  const complete = settingValue<boolean>(config, 'encryption.completeColumns') === true
  if (uniform && (columnKeys || complete)) {
    throw new UsageError('uniform encryption cannot be combined with column keys or complete columns: use one')
  }
  if (!uniform && !columnKeys && !complete) {
    throw new UsageError(
      `no column would be encrypted: set column keys (${waysToSet('encryption.columnKeys')}), or --uniform`,
    )
  }
  return { footerKey, uniformEncryption: uniform }
}

/** The key tools' configuration that the resolved options describe; core checks the rest per file. */
export function encryptionConfiguration(config: ResolvedConfig): EncryptionConfiguration {
  const value = <T>(key: string) => settingValue(config, key) as T | undefined
  const aadPrefix = value<string>('encryption.aadPrefix')
  const storeAadPrefix = value<boolean>('encryption.storeAadPrefix')
  if (storeAadPrefix === false && aadPrefix === undefined) {
    throw new UsageError(`not storing the AAD prefix needs one: set ${waysToSet('encryption.aadPrefix')}`)
  }
  const optional: Partial<EncryptionConfiguration> = {
    columnKeys: value('encryption.columnKeys'),
    completeColumns: value('encryption.completeColumns'),
    plaintextFooter: value('encryption.plaintextFooter'),
    encryptionAlgorithm: value('encryption.algorithm'),
    doubleWrapping: value('encryption.doubleWrapping'),
    internalKeyMaterial: value('encryption.internalKeyMaterial'),
    dataKeyLengthBits: value('encryption.dataKeyBits'),
    kekLengthBits: value('encryption.kekBits'),
    cacheLifetimeSeconds: value('kms.cacheLifetimeSeconds'),
    aadPrefix,
    storeAadPrefix,
  }
  const defined = Object.fromEntries(Object.entries(optional).filter(([, item]) => item !== undefined))
  return { ...footerAndMode(config), ...defined }
}
