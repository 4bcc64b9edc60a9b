// The input of the README's CLI example: a plaintext people.parquet with the columns it names
// (id, name, ssn, email), written with the installed @pme/core. Prints the rows as JSON.
import { writeParquet } from '@pme/core'

export const PEOPLE = [
  { id: 1, name: 'Ada', ssn: '111-22-3333', email: 'ada@example.com' },
  { id: 2, name: 'Grace', ssn: '222-33-4444', email: 'grace@example.com' },
  { id: 3, name: 'Alan', ssn: '333-44-5555', email: 'alan@example.com' },
]

const text = (key) => ({ name: key, data: PEOPLE.map((row) => row[key]), type: 'STRING' })
await writeParquet('people.parquet', {
  columns: [
    { name: 'id', data: Int32Array.from(PEOPLE.map((row) => row.id)), type: 'INT32', nullable: false },
    text('name'),
    text('ssn'),
    text('email'),
  ],
})
