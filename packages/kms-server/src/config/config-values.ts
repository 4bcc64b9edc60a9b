import { UsageError } from '@pme/core'

/** A value written `"$env:NAME"` in the configuration is read from the environment variable NAME. */
const ENV_REFERENCE = /^\$env:([A-Za-z_][A-Za-z0-9_]*)$/

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * A secret (token, key list) as configured: literally, or `"$env:NAME"`. An unset or empty variable
 * is an error naming the variable and the option: never a silently empty token.
 */
export function secretValue(raw: unknown, where: string, env: NodeJS.ProcessEnv): string {
  if (typeof raw !== 'string') throw new UsageError(`${where} must be a string`)
  const reference = ENV_REFERENCE.exec(raw)
  if (!reference?.[1]) return raw
  const value = env[reference[1]]
  if (value === undefined || value === '') {
    throw new UsageError(`${where} is read from the environment variable ${reference[1]}, which is not set`)
  }
  return value
}

/** Refuses names a section does not know: a misspelt option must not be ignored. */
export function checkNames(section: Record<string, unknown>, known: readonly string[], where: string): void {
  for (const name of Object.keys(section)) {
    if (!known.includes(name)) throw new UsageError(`unknown option ${where}.${name} (known: ${known.join(', ')})`)
  }
}

export function integerIn(raw: unknown, where: string, min: number, max: number): number {
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < min || raw > max) {
    throw new UsageError(`${where} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`)
  }
  return raw
}

export function stringList(raw: unknown, where: string): string[] {
  if (!Array.isArray(raw) || !raw.every((item) => typeof item === 'string' && item !== '')) {
    throw new UsageError(`${where} must be a list of master key ids`)
  }
  return raw
}
