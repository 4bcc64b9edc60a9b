import { resolveSecretReference, UsageError } from '@pme/core'

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * A secret (token, key list) as configured: literally, `"$env:NAME"` or `"$file:/path"`. An unset
 * variable or an unreadable or empty file is an error naming it and the option: never an empty token.
 */
export function secretValue(raw: unknown, where: string, env: NodeJS.ProcessEnv): string {
  if (typeof raw !== 'string') throw new UsageError(`${where} must be a string`)
  return resolveSecretReference(raw, where, env)
}

/** Refuses names a section does not know: a misspelt option must not be ignored. */
export function checkNames(section: Record<string, unknown>, known: readonly string[], where: string): void {
  for (const name of Object.keys(section)) {
    if (!known.includes(name)) throw new UsageError(`unknown option ${where}.${name} (known: ${known.join(', ')})`)
  }
}

export function integerIn(raw: unknown, where: string, min: number, max: number): number {
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < min || raw > max) {
    throw new UsageError(`${where} must be a whole number from ${min} to ${max}`)
  }
  return raw
}

export function stringList(raw: unknown, where: string): string[] {
  if (!Array.isArray(raw) || !raw.every((item) => typeof item === 'string' && item !== '')) {
    throw new UsageError(`${where} must be a list of master key ids`)
  }
  return raw
}
