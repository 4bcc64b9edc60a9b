import { DecryptCommand, EncryptCommand, KMSClient, type KMSClientConfig } from '@aws-sdk/client-kms'
import { type KmsClient, KmsError, UsageError } from '@pme/core'
import { mapAwsError } from './errors.js'
import type { AwsKmsSettings } from './settings.js'

/** What AwsKmsClient needs of the SDK client: `send` (and `destroy`, to close). A stub in unit tests. */
export interface KmsSender {
  send(command: EncryptCommand | DecryptCommand): Promise<{ CiphertextBlob?: Uint8Array; Plaintext?: Uint8Array }>
  destroy?(): void
}

/** The SDK client for a region; undefined: the configured region (setting, else the SDK's chain). */
export type SenderForRegion = (region: string | undefined) => KmsSender

export interface AwsKmsClientOptions {
  /** Encryption context (AAD) for every Encrypt and Decrypt; must be the same both ways. */
  encryptionContext?: Readonly<Record<string, string>>
  /** Grant tokens sent with every Encrypt and Decrypt (permissions of a grant not yet consistent). */
  grantTokens?: readonly string[]
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/
/** `arn:<partition>:kms:<region>:<account>:key/<id>` or `...:alias/<name>`: the key's region. */
const KEY_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:(?:key|alias)\//

/** The region in a key or alias ARN; undefined for key ids and aliases (the configured region). */
export function regionOf(masterKeyId: string): string | undefined {
  return KEY_ARN.exec(masterKeyId)?.[1]
}

/**
 * A KmsClient over AWS KMS: wrap = Encrypt(KeyId = master key id, Plaintext = data key), wrapped
 * key = base64(CiphertextBlob); unwrap = Decrypt(CiphertextBlob, KeyId), so a blob made with another
 * key fails. The master key id is a key ARN, a key id, an alias (`alias/...`) or an alias ARN. A key
 * ARN's region chooses the SDK client (one per region, made when first needed, as the AWS Encryption
 * SDK does), so one configuration reads keys of several regions; `close()` destroys them all.
 */
export class AwsKmsClient implements KmsClient {
  readonly #senderFor: SenderForRegion
  readonly #senders = new Map<string, KmsSender>()
  readonly #context: Record<string, string> | undefined
  readonly #grantTokens: string[] | undefined

  /** `kms`: one SDK client for every region (a stub), or a function making one per region. */
  constructor(kms: KmsSender | SenderForRegion, options: AwsKmsClientOptions = {}) {
    this.#senderFor = typeof kms === 'function' ? kms : () => kms
    const context = options.encryptionContext ?? {}
    this.#context = Object.keys(context).length > 0 ? { ...context } : undefined
    this.#grantTokens = options.grantTokens?.length ? [...options.grantTokens] : undefined
  }

  #kms(masterKeyId: string): KmsSender {
    const region = regionOf(masterKeyId)
    let sender = this.#senders.get(region ?? '')
    if (!sender) {
      sender = this.#senderFor(region)
      this.#senders.set(region ?? '', sender)
    }
    return sender
  }

  /** Destroys the SDK clients (their sockets), so the process can exit. */
  close(): void {
    for (const sender of this.#senders.values()) sender.destroy?.()
    this.#senders.clear()
  }

  async wrapKey(key: Uint8Array, masterKeyId: string): Promise<string> {
    checkMasterKeyId(masterKeyId)
    const operation = `wrap with master key ${masterKeyId}`
    let blob: Uint8Array | undefined
    try {
      const out = await this.#kms(masterKeyId).send(
        new EncryptCommand({
          KeyId: masterKeyId,
          Plaintext: key,
          EncryptionContext: this.#context,
          GrantTokens: this.#grantTokens,
        }),
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
      const out = await this.#kms(masterKeyId).send(
        new DecryptCommand({
          CiphertextBlob: Buffer.from(wrapped, 'base64'),
          KeyId: masterKeyId,
          EncryptionContext: this.#context,
          GrantTokens: this.#grantTokens,
        }),
      )
      plaintext = out.Plaintext
    } catch (error) {
      throw mapAwsError(error, operation)
    }
    if (!plaintext || plaintext.length === 0) throw new KmsError(`AWS KMS: ${operation}: the answer has no Plaintext`)
    return new Uint8Array(plaintext)
  }

  /**
   * The SDK client of these settings and endpoint (retries: the SDK's standard strategy, bounded),
   * in `region` (a key ARN's), else the region setting, else the SDK's chain.
   */
  static sdkClient(settings: AwsKmsSettings, endpoint: string | undefined, region?: string): KMSClient {
    const config: KMSClientConfig = {
      maxAttempts: settings.maxAttempts,
      retryMode: 'standard',
      requestHandler: {
        requestTimeout: settings.requestTimeoutMs,
        throwOnRequestTimeout: true, // else the handler only logs a warning and waits on
        connectionTimeout: settings.connectionTimeoutMs,
      },
    }
    const chosen = region ?? settings.region
    if (chosen) config.region = chosen
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
