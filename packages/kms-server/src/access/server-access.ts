import { UsageError } from '@pme/core'
import type { AccessPolicy, KeyGrant, KmsOperation } from '@pme/kms-local'
import type { CallerToken } from '../http/request-token.js'
import { TokenRegistry } from './token-registry.js'

/** The server's access policy: an AccessPolicy (levels or grants), or `'open'` for local experiments. */
export type ServerAccessPolicy = AccessPolicy | 'open'

/** What the access check decided; anything but `allowed` is a refusal, named for the error it becomes. */
export type AccessDecision = 'allowed' | 'token_required' | 'unknown_token' | 'access_denied'

const OPERATIONS: readonly KmsOperation[] = ['wrap', 'unwrap']

type Grant = '*' | ReadonlySet<string>

/**
 * The server's own access check, in front of its backend. Fails closed: a policy without an acl
 * grants only its public keys, and a token the server does not know is refused everywhere (a
 * mistyped token must not quietly read as anonymous).
 */
export class ServerAccess {
  readonly #open: boolean
  readonly #tokens: TokenRegistry<Grant>
  readonly #publicKeys: ReadonlySet<string>
  readonly #enforced: ReadonlySet<KmsOperation>
  /** Every master key id the policy names: these may appear as metric labels. */
  readonly namedKeyIds: ReadonlySet<string>

  constructor(policy: ServerAccessPolicy) {
    this.#open = policy === 'open'
    const { acl = {}, publicKeys = [], enforceOn = OPERATIONS } = policy === 'open' ? {} : policy
    for (const operation of enforceOn) {
      if (!OPERATIONS.includes(operation)) throw new UsageError(`unknown KMS operation "${operation}" in enforceOn`)
    }
    this.#enforced = new Set(enforceOn)
    this.#publicKeys = new Set(checkIds(publicKeys, 'publicKeys must be a list of master key ids'))
    const grants = Object.entries(acl).map(([token, grant], index) => {
      // Named by position: the entry's key is a token, and tokens never go into messages.
      checkToken(token, `acl entry #${index + 1}`)
      return [token, toGrant(grant, `acl entry #${index + 1} must be '*' or a list of master key ids`)] as const
    })
    this.#tokens = new TokenRegistry(grants)
    this.namedKeyIds = new Set([
      ...this.#publicKeys,
      ...grants.flatMap(([, grant]) => (grant === '*' ? [] : [...grant])),
    ])
  }

  decide(caller: CallerToken, operation: KmsOperation, masterKeyId: string): AccessDecision {
    if (this.#open) return 'allowed'
    // Looked up even when the operation is open: an unknown token is refused on every call.
    const grant = caller.kind === 'token' ? this.#tokens.find(caller.token) : undefined
    if (caller.kind === 'token' && grant === undefined) return 'unknown_token'
    if (!this.#enforced.has(operation) || this.#publicKeys.has(masterKeyId)) return 'allowed'
    if (grant === undefined) return 'token_required'
    return grant === '*' || grant.has(masterKeyId) ? 'allowed' : 'access_denied'
  }
}

function checkIds(ids: unknown, problem: string): readonly string[] {
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string' && id !== '')) throw new UsageError(problem)
  return ids
}

function toGrant(grant: KeyGrant, problem: string): Grant {
  return grant === '*' ? '*' : new Set(checkIds(grant, problem))
}

/** Tokens a caller could never be told apart from anonymous are configuration mistakes. */
export function checkToken(token: unknown, where: string): void {
  if (typeof token !== 'string' || token.trim() === '')
    throw new UsageError(`${where}: the token must be a non-empty string`)
  if (token === 'DEFAULT')
    throw new UsageError(`${where}: "DEFAULT" means "no token" to every KMS client; choose another token`)
}
