import { randomBytes } from 'node:crypto'
import { parseKeyList, UsageError } from '@pme/core'
import { PRIVILEGE_LEVELS } from '@pme/kms-local'
import { masterKeyIdOf } from './privileges.js'

/** Names the environment variable that may supply the master keys (tests use it to look for leaks). */
export const KEY_LIST_VARIABLE = 'PME_DEMO_KEY_LIST'

/**
 * One 256-bit master key per privilege level: fresh random keys for this run, or, when
 * PME_DEMO_KEY_LIST is set, those (parquet-java's `"id: <base64>, ..."` form). Never printed.
 */
export function demoMasterKeys(env: NodeJS.ProcessEnv = process.env): Map<string, Uint8Array> {
  const ids = PRIVILEGE_LEVELS.map(masterKeyIdOf)
  const list = env[KEY_LIST_VARIABLE]
  if (!list) return new Map(ids.map((id) => [id, new Uint8Array(randomBytes(32))]))
  const keys = parseKeyList(list)
  const missing = ids.filter((id) => !keys.has(id))
  if (missing.length > 0) throw new UsageError(`${KEY_LIST_VARIABLE} has no key for ${missing.join(', ')}`)
  return keys
}
