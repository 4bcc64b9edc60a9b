import { DecryptCommand, EncryptCommand, KMSClient, type KMSClientConfig } from '@aws-sdk/client-kms'
import { type KmsClient, KmsError, UsageError } from '@pme/core'
import { mapAwsError } from './errors.js'
import type { AwsKmsSettings } from './settings.js'

/** What AwsKmsClient needs of the SDK client: `send`. A stub in unit tests. */
export interface KmsSender {
  send(command: EncryptCommand | DecryptCommand): Promise<{ CiphertextBlob?: Uint8Array; Plaintext?: Uint8Array }>
}

export interface AwsKmsClientOptions {
  /** Encryption context (AAD) for every Encrypt and Decrypt; must be the same both ways. */
  encryptionContext?: Readonly<Record<string, string>>
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

/**
 * A KmsClient over AWS KMS: wrap = Encrypt(KeyId = master key id, Plaintext = data key), wrapped
 * key = base64(CiphertextBlob); unwrap = Decrypt(CiphertextBlob, KeyId), so a blob made with another
 * key fails. The master key id is a key ARN, a key id, an alias (`alias/...`) or an alias ARN.
 */
export class AwsKmsClient implements KmsClient {
  readonly #kms: KmsSender
  readonly #context: Record<string, string> | undefined

  constructor(kms: KmsSender, options: AwsKmsClientOptions = {}) {
    this.#kms = kms
    const context = options.encryptionContext ?? {}
    this.#context = Object.keys(context).length > 0 ? { ...context } : undefined
  }

  async wrapKey(key: Uint8Array, masterKeyId: string): Promise<string> {
    checkMasterKeyId(masterKeyId)
    const operation = `wrap with master key ${masterKeyId}`
    let blob: Uint8Array | undefined
    try {
      const out = await this.#kms.send(
        new EncryptCommand({ KeyId: masterKeyId, Plaintext: key, EncryptionContext: this.#context }),
      )
      blob = out.CiphertextBlob
    } catch (error) {
      throw mapAwsError(error, operation)
    }
    if (!blob || blob.length === 0) throw new KmsError(`AWS KMS: ${operation}: the answer has no CiphertextBlob`)
    return Buffer.from(blob).toString('base64')
  }

  async unwrapKey(wrapped: string, masterKeyId: string): Promise<Uint8Array> {
    checkMasterKeyId(masterKeyId)
    const operation = `unwrap with master key ${masterKeyId}`
    if (!BASE64.test(wrapped) || wrapped.length % 4 !== 0) {
      throw new KmsError(`AWS KMS: ${operation}: the wrapped key is not base64 (expected a base64 CiphertextBlob)`)
    }
    let plaintext: Uint8Array | undefined
    try {
      const out = await this.#kms.send(
        new DecryptCommand({
          CiphertextBlob: Buffer.from(wrapped, 'base64'),
          KeyId: masterKeyId,
          EncryptionContext: this.#context,
        }),
      )
      plaintext = out.Plaintext
    } catch (error) {
      throw mapAwsError(error, operation)
    }
    if (!plaintext || plaintext.length === 0) throw new KmsError(`AWS KMS: ${operation}: the answer has no Plaintext`)
    return new Uint8Array(plaintext)
  }

  /** The SDK client of these settings and endpoint (retries: the SDK's standard strategy, bounded). */
  static sdkClient(settings: AwsKmsSettings, endpoint: string | undefined): KMSClient {
    // SDK releases from late 2026 print a "NodeVersionSupportWarning" on Node 20 (which this package
    // supports); it would break the CLI's one-line stderr. A user's explicit setting is respected.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
    const config: KMSClientConfig = {
      maxAttempts: settings.maxAttempts,
      retryMode: 'standard',
      requestHandler: {
        requestTimeout: settings.requestTimeoutMs,
        throwOnRequestTimeout: true, // else the handler only logs a warning and waits on
        connectionTimeout: settings.connectionTimeoutMs,
      },
    }
    if (settings.region) config.region = settings.region
    if (endpoint) config.endpoint = endpoint
    if (settings.profile) config.profile = settings.profile
    if (settings.credentials) config.credentials = settings.credentials
    return new KMSClient(config)
  }
}

function checkMasterKeyId(masterKeyId: string): void {
  if (!masterKeyId || masterKeyId === 'DEFAULT') {
    throw new UsageError('AWS KMS master key id must be a key ARN, key id or alias (alias/...)')
  }
}
