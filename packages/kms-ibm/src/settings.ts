import {
  AdapterSettingsDefinition,
  DEFAULT_KMS_VALUE,
  type KmsAdapterSettings,
  type KmsConnectionConfig,
  REQUEST_TIMEOUT_SETTING,
  RETRY_SETTINGS,
  retrySettings,
  UsageError,
} from '@pme/core'

/** IBM Cloud IAM's public token endpoint (API key → IAM access token). */
export const DEFAULT_IAM_URL = 'https://iam.cloud.ibm.com/identity/token'

/** Adapter settings (pme.config.json `kms.settings`, all strings), parsed and checked once. */
export interface IbmSettings {
  /** IBM Cloud API key (user or service ID); else the connection's access token (see `ibmEndpoint`). */
  readonly apiKey: string | undefined
  /** IAM token endpoint the API key is exchanged at. */
  readonly iamUrl: string
  /** Key ring of the root keys, sent as `X-Kms-Key-Ring` (saves Key Protect a lookup); optional. */
  readonly keyRing: string | undefined
  /** Time allowed for one HTTP request (Key Protect or IAM), in ms. */
  readonly requestTimeoutMs: number
  /** Attempts in all, the first included, before a transient failure becomes KmsUnavailableError. */
  readonly retryAttempts: number
  readonly retryBaseDelayMs: number
  readonly retryMaxDelayMs: number
}

/** How the client authenticates: an API key exchanged at IAM, or a ready IAM access token. */
export type IbmCredential =
  | { readonly kind: 'apiKey'; readonly apiKey: string }
  | { readonly kind: 'token'; readonly token: string }

/** Where and as whom to call Key Protect. */
export interface IbmEndpoint {
  /** Regional endpoint without a trailing slash, e.g. `https://us-south.kms.cloud.ibm.com`. */
  readonly instanceUrl: string
  /** Key Protect instance GUID, sent as `bluemix-instance`. */
  readonly instanceId: string
  readonly credential: IbmCredential
}

function httpUrl(value: string, what: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new UsageError(`the ibm KMS ${what} is not a URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`the ibm KMS ${what} must be http(s)`)
  return value.replace(/\/+$/, '')
}

/** Every setting the adapter takes (endpoint and instance GUID are the connection's). */
export const IBM_KMS_SETTINGS = new AdapterSettingsDefinition('ibm KMS', {
  apiKey: { type: 'string', secret: true, description: "IBM Cloud API key; else the connection's access token" },
  iamUrl: { type: 'string', default: DEFAULT_IAM_URL, description: 'IAM token endpoint the API key is exchanged at' },
  keyRing: { type: 'string', description: 'key ring of the root keys, sent as X-Kms-Key-Ring' },
  ...REQUEST_TIMEOUT_SETTING,
  ...RETRY_SETTINGS,
})

export function parseIbmSettings(settings: KmsAdapterSettings): IbmSettings {
  IBM_KMS_SETTINGS.check(settings)
  const retry = retrySettings(IBM_KMS_SETTINGS, settings)
  return {
    apiKey: IBM_KMS_SETTINGS.string(settings, 'apiKey') || undefined,
    iamUrl: httpUrl(IBM_KMS_SETTINGS.string(settings, 'iamUrl') as string, 'setting iamUrl'),
    keyRing: IBM_KMS_SETTINGS.string(settings, 'keyRing') || undefined,
    requestTimeoutMs: IBM_KMS_SETTINGS.integer(settings, 'requestTimeoutMs'),
    retryAttempts: retry.attempts,
    retryBaseDelayMs: retry.baseDelayMs,
    retryMaxDelayMs: retry.maxDelayMs,
  }
}

const isDefault = (value: string) => value === '' || value === DEFAULT_KMS_VALUE

/** An IAM access token as IAM issues it: a JWT (`eyJ...`), optionally with its `Bearer ` prefix. */
const JWT = /^(?:Bearer\s+)?(eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/

/**
 * The connection config read the Key Protect way: instance URL = regional endpoint, instance id =
 * the instance GUID (`bluemix-instance`). The credential is the `apiKey` setting when set; else the
 * connection's access token, taken as an IAM access token when it is one (a JWT, with or without
 * `Bearer `; used as is, not refreshed) and as an IBM Cloud API key otherwise.
 */
export function ibmEndpoint(config: KmsConnectionConfig, settings: IbmSettings): IbmEndpoint {
  if (isDefault(config.kmsInstanceUrl))
    throw new UsageError(
      'the ibm KMS needs the Key Protect endpoint as KMS instance URL (instanceUrl), e.g. https://us-south.kms.cloud.ibm.com',
    )
  const instanceUrl = httpUrl(config.kmsInstanceUrl, 'instance URL')
  if (isDefault(config.kmsInstanceId))
    throw new UsageError('the ibm KMS needs the Key Protect instance GUID as KMS instance id (instanceId)')
  const instanceId = config.kmsInstanceId.trim()
  if (settings.apiKey) return { instanceUrl, instanceId, credential: { kind: 'apiKey', apiKey: settings.apiKey } }
  const token = config.keyAccessToken.trim()
  if (isDefault(token))
    throw new UsageError('the ibm KMS needs an IBM Cloud API key: setting apiKey, or the access token (accessToken)')
  const jwt = JWT.exec(token)
  if (jwt?.[1]) return { instanceUrl, instanceId, credential: { kind: 'token', token: jwt[1] } }
  return { instanceUrl, instanceId, credential: { kind: 'apiKey', apiKey: token } }
}
