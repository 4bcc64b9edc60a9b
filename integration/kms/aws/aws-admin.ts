import { randomBytes } from 'node:crypto'
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam'
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  KMSClient,
  ListKeyRotationsCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms'

// SDK releases from late 2026 warn on Node 20 (see @pme/kms-aws); keep the suite output readable.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

/** A principal as the adapter's settings name it: static keys, a profile, or {} (the default chain). */
export type Principal = Record<string, string>

/** What the adapter needs to use a key: the IAM policy its README documents. */
export const KMS_USER_ACTIONS = ['kms:Encrypt', 'kms:Decrypt']

export function userPolicy(actions: string[], resource: string | string[] = '*'): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: actions, Resource: resource }],
  })
}

function sdkConfig(region: string, endpoint: string | undefined, principal: Principal) {
  const { accessKeyId, secretAccessKey, sessionToken, profile } = principal
  return {
    region,
    ...(endpoint ? { endpoint } : {}),
    ...(profile ? { profile } : {}),
    ...(accessKeyId && secretAccessKey
      ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } }
      : {}),
    maxAttempts: 3,
  }
}

/** Key and IAM administration for the suites (not the adapter under test: the SDK directly). */
export class AwsAdmin {
  readonly kms: KMSClient
  readonly iam: IAMClient
  /** alias name → key ARN of every key this admin created. */
  readonly #keys = new Map<string, string>()
  readonly #users: { name: string; accessKeyId: string }[] = []

  constructor(
    readonly region: string,
    readonly endpoint: string | undefined,
    principal: Principal,
  ) {
    this.kms = new KMSClient(sdkConfig(region, endpoint, principal))
    this.iam = new IAMClient(sdkConfig(region, endpoint, principal))
  }

  /** A fresh symmetric key with alias `alias/<prefix>-<hex>`; returns the alias name. */
  async createKey(prefix: string): Promise<string> {
    const alias = `alias/${prefix}-${randomBytes(6).toString('hex')}`
    const created = await this.kms.send(new CreateKeyCommand({ Description: `pme integration suite (${alias})` }))
    const arn = created.KeyMetadata?.Arn
    if (!arn) throw new Error('CreateKey answered without a key ARN')
    this.#keys.set(alias, arn)
    await this.kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: arn }))
    return alias
  }

  /** The key ARN behind an alias this admin created (ARNs and key ids pass through). */
  keyArn(masterKeyId: string): string {
    return this.#keys.get(masterKeyId) ?? masterKeyId
  }

  /** RotateKeyOnDemand (new key material, same key id). */
  async rotateKey(masterKeyId: string): Promise<void> {
    await this.kms.send(new RotateKeyOnDemandCommand({ KeyId: await this.#keyIdOf(masterKeyId) }))
  }

  /** How many rotations the key lists (ListKeyRotations). */
  async rotationCount(masterKeyId: string): Promise<number> {
    const listed = await this.kms.send(new ListKeyRotationsCommand({ KeyId: await this.#keyIdOf(masterKeyId) }))
    return listed.Rotations?.length ?? 0
  }

  /** RotateKeyOnDemand and ListKeyRotations take a key id or ARN, not an alias (a key from PME_IT_AWS_KEY_ARNS). */
  async #keyIdOf(masterKeyId: string): Promise<string> {
    const KeyId = this.keyArn(masterKeyId)
    if (!KeyId.startsWith('alias/')) return KeyId
    return (await this.kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata?.Arn ?? KeyId
  }

  /** An IAM user with one inline policy (or none) and an access key: a principal for the adapter. */
  async createUser(prefix: string, policy: string | undefined): Promise<Principal> {
    const UserName = `${prefix}-${randomBytes(4).toString('hex')}`
    await this.iam.send(new CreateUserCommand({ UserName }))
    if (policy)
      await this.iam.send(new PutUserPolicyCommand({ UserName, PolicyName: 'pme-it', PolicyDocument: policy }))
    const key = (await this.iam.send(new CreateAccessKeyCommand({ UserName }))).AccessKey
    if (!key?.AccessKeyId || !key.SecretAccessKey) throw new Error('CreateAccessKey answered without a key')
    this.#users.push({ name: UserName, accessKeyId: key.AccessKeyId })
    return { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey }
  }

  /** Removes what this admin created: aliases, keys (scheduled for deletion: 7 days, AWS's minimum), users. */
  async cleanUp(): Promise<void> {
    for (const [alias, arn] of this.#keys) {
      await this.kms.send(new DeleteAliasCommand({ AliasName: alias })).catch(() => {})
      await this.kms.send(new ScheduleKeyDeletionCommand({ KeyId: arn, PendingWindowInDays: 7 })).catch(() => {})
    }
    for (const user of this.#users) {
      await this.iam
        .send(new DeleteAccessKeyCommand({ UserName: user.name, AccessKeyId: user.accessKeyId }))
        .catch(() => {})
      await this.iam.send(new DeleteUserPolicyCommand({ UserName: user.name, PolicyName: 'pme-it' })).catch(() => {})
      await this.iam.send(new DeleteUserCommand({ UserName: user.name })).catch(() => {})
    }
    this.#keys.clear()
    this.#users.length = 0
  }

  destroy(): void {
    this.kms.destroy()
    this.iam.destroy()
  }
}

/**
 * Turns on moto's IAM auth mode: from now on every request must carry an access key of a moto IAM
 * user, and that user's policies decide (moto_launcher.py skips the signature check itself).
 */
export async function enableMotoIamAuth(endpoint: string): Promise<void> {
  const answer = await fetch(`${endpoint}/moto-api/reset-auth`, { method: 'POST', body: '0' })
  if (!answer.ok) throw new Error(`moto refused to enable IAM auth: HTTP ${answer.status} ${await answer.text()}`)
}
