import type { ColumnData, SchemaElement } from '@pme/core'
import { FIRST_NAMES, LAST_NAMES } from './fake-names.js'
import { SeededRandom } from './seeded-random.js'

/** The seed demo's people table, in its column order. */
export const PEOPLE_COLUMNS = ['id', 'date_of_birth', 'first_name', 'last_name', 'social_security_number'] as const

export type PeopleColumn = (typeof PEOPLE_COLUMNS)[number]

export interface People {
  id: number[]
  date_of_birth: Date[]
  first_name: string[]
  last_name: string[]
  social_security_number: string[]
}

const string = (name: PeopleColumn): SchemaElement => ({
  name,
  type: 'BYTE_ARRAY',
  repetition_type: 'REQUIRED',
  converted_type: 'UTF8',
  logical_type: { type: 'STRING' },
})

/** The Parquet schema: `id` INT32, `date_of_birth` a DATE (INT32 days), the others UTF-8 strings. */
export const PEOPLE_SCHEMA: SchemaElement[] = [
  { name: 'schema', num_children: PEOPLE_COLUMNS.length },
  { name: 'id', type: 'INT32', repetition_type: 'REQUIRED' },
  {
    name: 'date_of_birth',
    type: 'INT32',
    repetition_type: 'REQUIRED',
    converted_type: 'DATE',
    logical_type: { type: 'DATE' },
  },
  string('first_name'),
  string('last_name'),
  string('social_security_number'),
]

const DAY_MS = 86_400_000
const FIRST_BIRTH_DAY = Date.UTC(1940, 0, 1) / DAY_MS
const LAST_BIRTH_DAY = Date.UTC(2006, 11, 31) / DAY_MS

const digits = (value: number, width: number) => String(value).padStart(width, '0')

/**
 * A fake social security number in the real format. Area numbers 900-999 are never assigned to
 * SSNs, and ITINs (which do start with 9) use group numbers 50-65, 70-88, 90-92 and 94-99: with a
 * group of 10-49, no generated number belongs to anyone.
 */
function fakeSsn(random: SeededRandom): string {
  return `${random.integer(900, 999)}-${digits(random.integer(10, 49), 2)}-${digits(random.integer(1, 9999), 4)}`
}

/** `count` made-up people; the same seed always gives the same people. Ids run from 1. */
export function generatePeople(count: number, seed: number): People {
  if (!Number.isInteger(count) || count < 1)
    throw new RangeError(`the row count must be a positive integer, got ${count}`)
  const random = new SeededRandom(seed)
  const people: People = { id: [], date_of_birth: [], first_name: [], last_name: [], social_security_number: [] }
  for (let index = 0; index < count; index++) {
    people.id.push(index + 1)
    people.date_of_birth.push(new Date(random.integer(FIRST_BIRTH_DAY, LAST_BIRTH_DAY) * DAY_MS))
    people.first_name.push(random.pick(FIRST_NAMES))
    people.last_name.push(random.pick(LAST_NAMES))
    people.social_security_number.push(fakeSsn(random))
  }
  return people
}

/** The table as writeParquet's columns, in PEOPLE_SCHEMA's order. */
export function peopleColumns(people: People): ColumnData[] {
  return PEOPLE_COLUMNS.map((name) => ({ name, data: people[name] }))
}
