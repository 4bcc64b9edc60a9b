import { mkdir, stat } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
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

const statOf = (path: string) => stat(path).catch(() => undefined)

/** A folder given as an input file is a usage error; a missing input is reported as that file fails. */
export async function checkInputFiles(inputs: readonly string[]): Promise<void> {
  for (const input of inputs) {
    if ((await statOf(input))?.isDirectory()) {
      throw new UsageError(
        `${input} is a folder, not a Parquet file: give its files (e.g. ${join(input, '*.parquet')})`,
      )
    }
  }
}

/**
 * Existing outputs are not overwritten unless --force: an encryption tool must not silently replace a
 * file. `-o` needs its folder to exist (`--out-dir` is created). Checked before any file is written.
 */
export async function checkOutputs(paths: readonly string[], output: unknown, force: boolean): Promise<void> {
  if (typeof output === 'string') {
    const folder = dirname(output)
    const info = await statOf(folder)
    if (!info) throw new UsageError(`the output folder ${folder} does not exist: create it first`)
    if (!info.isDirectory()) throw new UsageError(`the output folder ${folder} is not a folder`)
  }
  for (const path of paths) {
    const info = await statOf(path)
    if (info?.isDirectory()) throw new UsageError(`the output ${path} is a folder: give a file name`)
    if (info && !force) throw new UsageError(`${path} exists: pass --force to overwrite it`)
  }
}

/** Creates `--out-dir` when it does not exist yet (after the options were checked: a usage error writes nothing). */
export async function ensureOutDir(outDir: unknown): Promise<void> {
  if (typeof outDir === 'string' && outDir !== '') await mkdir(outDir, { recursive: true })
}

export const outputOptionSpec = {
  output: { type: 'string', short: 'o' },
  'out-dir': { type: 'string' },
  force: { type: 'boolean' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
} as const

export const outputOptionHelp = `  --force                          overwrite outputs that exist (without it, an existing output is an error)
  --json                           print a JSON report of every file (ok / failed, with the error)
  --quiet                          no summary line on success`
