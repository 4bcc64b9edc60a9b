import { describe, expect, it } from 'vitest'
import { generatePeople, PEOPLE_COLUMNS } from '../src/people.js'

describe('generatePeople', () => {
  it('makes the number of rows asked for, ids from 1, in every column', () => {
    const people = generatePeople(1234, 7)
    for (const column of PEOPLE_COLUMNS) expect(people[column]).toHaveLength(1234)
    expect(people.id[0]).toBe(1)
    expect(people.id[1233]).toBe(1234)
  })

  it('gives the same people for the same seed, and others for another seed', () => {
    expect(generatePeople(300, 42)).toEqual(generatePeople(300, 42))
    expect(generatePeople(300, 43).social_security_number).not.toEqual(generatePeople(300, 42).social_security_number)
  })

  it('makes fake SSNs in the real format that no one holds, and dates of birth from 1940 to 2006', () => {
    const people = generatePeople(2000, 1)
    for (const ssn of people.social_security_number) {
      const [area, group] = ssn.split('-').map(Number)
      expect(ssn).toMatch(/^\d{3}-\d{2}-\d{4}$/)
      expect(area).toBeGreaterThanOrEqual(900) // never an SSN
      expect(group).toBeLessThan(50) // never an ITIN
    }
    for (const date of people.date_of_birth) {
      expect(date.toISOString()).toMatch(/^(19[4-9]\d|200[0-6])-\d\d-\d\dT00:00:00.000Z$/)
    }
    expect(new Set(people.first_name).size).toBeGreaterThan(20)
    expect(new Set(people.last_name).size).toBeGreaterThan(20)
  })

  it('refuses a row count that is not a positive integer', () => {
    expect(() => generatePeople(0, 1)).toThrow(RangeError)
    expect(() => generatePeople(2.5, 1)).toThrow(RangeError)
  })
})
