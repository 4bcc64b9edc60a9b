import { UsageError } from '@pme/core'
import { type KeyGrant, type KmsOperation, privilegeLevelAcl } from '@pme/kms-local'
import { checkToken, type ServerAccessPolicy } from '../access/server-access.js'
import { checkNames, isObject, secretValue, stringList } from './config-values.js'

const WHERE = 'server.privileges'

function operations(restrictWrap: boolean): KmsOperation[] {
  return restrictWrap ? ['wrap', 'unwrap'] : ['unwrap']
}

/** `{ "levels": { "keys": { LEVEL: [ids] }, "tokens": { LEVEL: token } } }`: privilegeLevelAcl's arguments. */
function levelsPolicy(raw: unknown, env: NodeJS.ProcessEnv, restrictWrap: boolean): ServerAccessPolicy {
  if (!isObject(raw)) throw new UsageError(`${WHERE}.levels must be an object { "keys": {...}, "tokens": {...} }`)
  checkNames(raw, ['keys', 'tokens'], `${WHERE}.levels`)
  const { keys = {}, tokens = {} } = raw
  if (!isObject(keys) || !isObject(tokens)) throw new UsageError(`${WHERE}.levels.keys and .tokens must be objects`)
  const resolved = Object.fromEntries(
    Object.entries(tokens).map(([level, raw]) => {
      const where = `${WHERE}.levels.tokens.${level}`
      const token = secretValue(raw, where, env)
      checkToken(token, where)
      return [level, token]
    }),
  )
  for (const level of Object.keys(keys)) stringList(keys[level], `${WHERE}.levels.keys.${level}`)
  return privilegeLevelAcl(keys, resolved, { restrictWrap })
}

/** `{ "grants": { token: [ids] | "*" }, "publicKeys": [ids] }`. Tokens (the keys) may be `$env:NAME`. */
function grantsPolicy(raw: Record<string, unknown>, env: NodeJS.ProcessEnv, restrictWrap: boolean): ServerAccessPolicy {
  const { grants, publicKeys = [] } = raw
  if (!isObject(grants)) throw new UsageError(`${WHERE}.grants must be an object of token -> master key ids or "*"`)
  const acl: Record<string, KeyGrant> = {}
  Object.entries(grants).forEach(([token, grant], index) => {
    // Named by position: the entry's name is a token.
    const where = `${WHERE}.grants entry #${index + 1}`
    const value = secretValue(token, where, env)
    if (Object.hasOwn(acl, value)) throw new UsageError(`${where} repeats the token of an earlier entry`)
    acl[value] = grant === '*' ? '*' : stringList(grant, where)
  })
  return { acl, publicKeys: stringList(publicKeys, `${WHERE}.publicKeys`), enforceOn: operations(restrictWrap) }
}

/** The `privileges` option: levels, grants, or `"open"`. Required: a server never starts open by default. */
export function privilegesPolicy(raw: unknown, env: NodeJS.ProcessEnv, restrictWrap: boolean): ServerAccessPolicy {
  if (raw === 'open') return 'open'
  if (raw === undefined) {
    throw new UsageError(
      `${WHERE} is required: { "levels": {...} } or { "grants": {...} } (or "open", every caller may use every key)`,
    )
  }
  if (!isObject(raw)) throw new UsageError(`${WHERE} must be { "levels": ... }, { "grants": ... } or "open"`)
  if ('levels' in raw) {
    checkNames(raw, ['levels'], WHERE)
    return levelsPolicy(raw.levels, env, restrictWrap)
  }
  checkNames(raw, ['grants', 'publicKeys'], WHERE)
  return grantsPolicy(raw, env, restrictWrap)
}

/** Every master key id the policy names (to check them against the local KMS's keys). */
export function policyKeyIds(policy: ServerAccessPolicy): string[] {
  if (policy === 'open') return []
  const granted = Object.values(policy.acl ?? {}).flatMap((grant) => (grant === '*' ? [] : grant))
  return [...new Set([...(policy.publicKeys ?? []), ...granted])]
}
