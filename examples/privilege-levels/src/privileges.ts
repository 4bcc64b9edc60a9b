import { type AccessPolicy, PRIVILEGE_LEVELS, type PrivilegeLevel, privilegeLevelAcl } from '@pme/kms-local'
import { PEOPLE_COLUMNS, type PeopleColumn } from './people.js'

/**
 * The seed's rules: the least privilege level that may read each column. `null`: not encrypted
 * (the seed's `id`, readable with no token at all).
 */
export const COLUMN_LEVELS: Readonly<Record<PeopleColumn, PrivilegeLevel | null>> = {
  id: null,
  date_of_birth: 'INTERNAL',
  first_name: 'CONFIDENTIAL',
  last_name: 'CONFIDENTIAL',
  social_security_number: 'RESTRICTED',
}

/** The footer is encrypted with the PUBLIC key: anyone can open the file and read `id`, as in the seed. */
export const FOOTER_LEVEL: PrivilegeLevel = 'PUBLIC'

/** As in the seed, each level has one master key, named after the level. */
export function masterKeyIdOf(level: PrivilegeLevel): string {
  return level
}

/** Someone reading the file: a privilege level and the access token that grants it. */
export interface Reader {
  level: PrivilegeLevel
  /** As in the seed, the token is the level's name; PUBLIC sends none. */
  token: string | undefined
}

export const READERS: readonly Reader[] = PRIVILEGE_LEVELS.map((level) => ({
  level,
  token: level === 'PUBLIC' ? undefined : level,
}))

/** Master key id -> the columns it protects: the writer's `columnKeys`. */
export function columnKeysByMasterKey(): Record<string, string[]> {
  const columnKeys: Record<string, string[]> = {}
  for (const column of PEOPLE_COLUMNS) {
    const level = COLUMN_LEVELS[column]
    if (level === null) continue
    const masterKeyId = masterKeyIdOf(level)
    columnKeys[masterKeyId] = [...(columnKeys[masterKeyId] ?? []), column]
  }
  return columnKeys
}

/** Who may unwrap with which master key: each level's token gets its own and all lower levels' keys. */
export function levelAccessPolicy(): AccessPolicy {
  const keysByLevel: Partial<Record<PrivilegeLevel, string[]>> = {}
  const tokens: Partial<Record<PrivilegeLevel, string>> = {}
  for (const { level, token } of READERS) {
    keysByLevel[level] = [masterKeyIdOf(level)]
    if (token !== undefined) tokens[level] = token
  }
  return privilegeLevelAcl(keysByLevel, tokens)
}
