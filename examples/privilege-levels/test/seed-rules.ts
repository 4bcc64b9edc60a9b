/**
 * The seed demo's rules, written from its README (shared/seeds/000_…): plaintext < PUBLIC < INTERNAL
 * < CONFIDENTIAL < RESTRICTED; a token of a level reads the columns of its level and every lower
 * one; no token is PUBLIC. Independent of the demo's code on purpose: the test compares the two.
 */
const ORDER = ['plaintext', 'PUBLIC', 'INTERNAL', 'CONFIDENTIAL', 'RESTRICTED'] as const
type Level = (typeof ORDER)[number]

/** The seed's COLUMNS comments: "minimum required privilege". */
export const MINIMUM_LEVEL: Record<string, Level> = {
  id: 'plaintext',
  date_of_birth: 'INTERNAL',
  first_name: 'CONFIDENTIAL',
  last_name: 'CONFIDENTIAL',
  social_security_number: 'RESTRICTED',
}

export const COLUMNS = Object.keys(MINIMUM_LEVEL)

/** The seed's tokens: none (PUBLIC), then the level names. */
export const TOKEN_LEVELS: { token: string | null; level: Level }[] = [
  { token: null, level: 'PUBLIC' },
  { token: 'INTERNAL', level: 'INTERNAL' },
  { token: 'CONFIDENTIAL', level: 'CONFIDENTIAL' },
  { token: 'RESTRICTED', level: 'RESTRICTED' },
]

export function mayRead(level: Level, column: string): boolean {
  const needed = MINIMUM_LEVEL[column]
  if (needed === undefined) throw new Error(`no rule for column ${column}`)
  return ORDER.indexOf(level) >= ORDER.indexOf(needed)
}

/** Level -> column (and "all columns": every column at once) -> readable. */
export function expectedMatrix(): Record<string, Record<string, boolean>> {
  return Object.fromEntries(
    TOKEN_LEVELS.map(({ level }) => {
      const row: Record<string, boolean> = Object.fromEntries(COLUMNS.map((column) => [column, mayRead(level, column)]))
      row['all columns'] = COLUMNS.every((column) => mayRead(level, column))
      return [level, row]
    }),
  )
}
