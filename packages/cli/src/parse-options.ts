import { type ParseArgsConfig, parseArgs } from 'node:util'
import { UsageError } from '@pme/core'

type Options = NonNullable<ParseArgsConfig['options']>

/** Edit distance (insertions, deletions, substitutions), for "did you mean". */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1)
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution)
    }
    previous = current
  }
  return previous[b.length] as number
}

/** The known flag closest to `given`, when it is close enough to be a typo. */
export function closestFlag(given: string, options: Options): string | undefined {
  const name = given.replace(/^-+/, '').split('=')[0] as string
  let best: [string, number] | undefined
  for (const known of Object.keys(options)) {
    const d = distance(name, known)
    if (!best || d < best[1]) best = [known, d]
  }
  return best && best[1] <= Math.max(2, Math.floor(best[0].length / 3)) ? `--${best[0]}` : undefined
}

/**
 * parseArgs, with its unknown-option error (a long text with an unbalanced quote) turned into one
 * line that names the option and the closest known one.
 */
export function parseOptions(args: string[], options: Options, command: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw error
    const given = /'([^']*)'/.exec((error as Error).message)?.[1] ?? '?'
    const suggestion = closestFlag(given, options)
    const hint = suggestion ? `did you mean ${suggestion}? ` : ''
    throw new UsageError(`unknown option ${given} (${hint}see pme ${command} --help)`)
  }
}
