import { UsageError } from '@pme/core'
import type { AccessPolicy, KeyGrant } from './access-policy.js'

/** The seed demo's privilege levels, lowest first: each level may use its keys and all lower levels' keys. */
export const PRIVILEGE_LEVELS = ['PUBLIC', 'INTERNAL', 'CONFIDENTIAL', 'RESTRICTED'] as const

export type PrivilegeLevel = (typeof PRIVILEGE_LEVELS)[number]

export interface PrivilegeLevelOptions {
  /**
   * Check wrapping too. The seed's server checks only unwrapping (its writer sends no token), which is
   * the default here; with this set, a writer needs a token whose level covers every key it wraps with.
   */
  restrictWrap?: boolean
}

/**
 * The access policy of the seed demo's KMS (PUBLIC < INTERNAL < CONFIDENTIAL < RESTRICTED):
 * - PUBLIC keys may be used by every caller, with any token or none (the seed needs no `x-api-key`);
 * - the token of a level may use the keys of that level and of every lower level;
 * - any other token may use only PUBLIC keys.
 * In the seed, master key ids and tokens are both the level names; here both are yours to choose.
 */
export function privilegeLevelAcl(
  keysByLevel: Partial<Record<PrivilegeLevel, readonly string[]>>,
  tokens: Partial<Record<PrivilegeLevel, string>>,
  options: PrivilegeLevelOptions = {},
): AccessPolicy {
  checkLevels(keysByLevel, 'keysByLevel')
  checkLevels(tokens, 'tokens')
  const levelOfKey = new Map<string, PrivilegeLevel>()
  const levelOfToken = new Map<string, PrivilegeLevel>()
  const acl: Record<string, KeyGrant> = {}
  const cumulative: string[] = []
  for (const level of PRIVILEGE_LEVELS) {
    const ids: unknown = keysByLevel[level] ?? []
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) {
      throw new UsageError(`the ${level} keys must be a list of master key ids`)
    }
    for (const id of ids) {
      const other = levelOfKey.get(id)
      if (other) throw new UsageError(`master key "${id}" is given for both ${other} and ${level}`)
      levelOfKey.set(id, level)
      cumulative.push(id)
    }
    const token = tokens[level]
    if (token === undefined) continue
    if (typeof token !== 'string') throw new UsageError(`the ${level} token must be a string`)
    // Named by level only: the token itself is a secret.
    const other = levelOfToken.get(token)
    if (other) throw new UsageError(`${other} and ${level} have the same access token`)
    levelOfToken.set(token, level)
    acl[token] = [...cumulative]
  }
  return {
    acl,
    publicKeys: [...(keysByLevel.PUBLIC ?? [])],
    enforceOn: options.restrictWrap ? ['wrap', 'unwrap'] : ['unwrap'],
  }
}

// For JavaScript callers and configuration files: a misspelt level would otherwise grant nothing, silently.
function checkLevels(record: object, what: string): void {
  for (const name of Object.keys(record)) {
    if (!(PRIVILEGE_LEVELS as readonly string[]).includes(name)) {
      throw new UsageError(`unknown privilege level "${name}" in ${what} (expected ${PRIVILEGE_LEVELS.join(', ')})`)
    }
  }
}
