import { UsageError } from '@pme/core'

export type KmsOperation = 'wrap' | 'unwrap'

/** The master key ids a token may use, or `'*'` for all of them. */
export type KeyGrant = readonly string[] | '*'

/** Access token -> the master key ids it may use. */
export type Acl = Readonly<Record<string, KeyGrant>>

/** Who may use which master key. Without an `acl`, every token may use every key. */
export interface AccessPolicy {
  /** Access token -> master key ids it may use. A token not listed may use only `publicKeys`. */
  acl?: Acl
  /** Master key ids every caller may use, whatever its token (the seed demo's PUBLIC level). */
  publicKeys?: readonly string[]
  /**
   * The operations the acl governs (default both). `['unwrap']` leaves wrapping open to every token,
   * as the seed demo's server does: writers there send no token, readers are checked.
   */
  enforceOn?: readonly KmsOperation[]
}

const OPERATIONS: readonly KmsOperation[] = ['wrap', 'unwrap']

/** An AccessPolicy checked once, then answered by map lookups. */
export class AccessChecker {
  // Private (#) so that inspecting a KMS never prints the tokens, which are secrets.
  readonly #grants: ReadonlyMap<string, '*' | ReadonlySet<string>> | undefined
  readonly #publicKeys: ReadonlySet<string>
  readonly #enforced: ReadonlySet<KmsOperation>

  constructor(policy: AccessPolicy = {}) {
    const { acl, publicKeys = [], enforceOn = OPERATIONS } = policy
    for (const operation of enforceOn) {
      if (!OPERATIONS.includes(operation)) throw new UsageError(`unknown KMS operation "${operation}" in enforceOn`)
    }
    this.#enforced = new Set(enforceOn)
    this.#publicKeys = new Set(checkIds(publicKeys, 'publicKeys must be a list of master key ids'))
    if (acl === undefined) return
    if (acl === null || typeof acl !== 'object' || Array.isArray(acl)) {
      throw new UsageError('the acl must be an object of access token -> master key ids')
    }
    // A Map over own entries only: a token such as "constructor" must not find Object.prototype.
    const grants = new Map<string, '*' | ReadonlySet<string>>()
    Object.entries(acl).forEach(([token, grant], index) => {
      // The entry is named by position: its key is a token, and tokens never go into messages.
      const problem = `acl entry #${index + 1} must be '*' or a list of master key ids`
      grants.set(token, grant === '*' ? '*' : new Set(checkIds(grant, problem)))
    })
    this.#grants = grants
  }

  /** Whether `token` may perform `operation` with `masterKeyId`. */
  allows(token: string, operation: KmsOperation, masterKeyId: string): boolean {
    if (this.#grants === undefined || !this.#enforced.has(operation)) return true
    if (this.#publicKeys.has(masterKeyId)) return true
    const grant = this.#grants.get(token)
    return grant === '*' || grant?.has(masterKeyId) === true
  }
}

function checkIds(ids: unknown, problem: string): readonly string[] {
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) throw new UsageError(problem)
  return ids
}
