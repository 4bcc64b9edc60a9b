import { mkdir } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { UsageError } from '@pme/core'

/** The output of each input: `-o <out>` for one input, or `--out-dir <dir>` with the inputs' names. */
export function outputPaths(inputs: readonly string[], output: unknown, outDir: unknown): string[] {
  if (Boolean(output) === Boolean(outDir)) throw new UsageError('give exactly one of -o <out> and --out-dir <dir>')
  if (output && inputs.length !== 1) throw new UsageError('-o takes one input; use --out-dir <dir> for several')
  const paths = output ? [output as string] : inputs.map((input) => join(outDir as string, basename(input)))
  if (new Set(paths).size !== paths.length) throw new UsageError('two inputs have the same file name')
  inputs.forEach((input, i) => {
    if (resolve(input) === resolve(paths[i] as string)) {
      throw new UsageError(`the output must not be the input ${input}: choose another output`)
    }
  })
  return paths
}

/** Creates `--out-dir` when it does not exist yet (after the options were checked: a usage error writes nothing). */
export async function ensureOutDir(outDir: unknown): Promise<void> {
  if (typeof outDir === 'string' && outDir !== '') await mkdir(outDir, { recursive: true })
}
