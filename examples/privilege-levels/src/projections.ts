import type { Projection } from './access-matrix.js'
import { PEOPLE_COLUMNS } from './people.js'

/** Name of the projection that reads every column at once. */
export const ALL_COLUMNS = 'all columns'

/** What each reader tries: every column on its own, then all of them in one read. */
export const PROJECTIONS: readonly Projection[] = [
  ...PEOPLE_COLUMNS.map((column) => ({ name: column, columns: [column] })),
  { name: ALL_COLUMNS, columns: undefined },
]
