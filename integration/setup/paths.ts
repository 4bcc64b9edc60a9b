import { existsSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** `<repo>/integration` */
export const integrationDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
/** The monorepo root. */
export const repoRoot = path.resolve(integrationDir, '..')

export const pythonEnvScript = path.join(integrationDir, 'setup', 'python-env.sh')
export const sparkEnvScript = path.join(integrationDir, 'setup', 'spark-env.sh')
export const readPlainScript = path.join(integrationDir, 'python', 'read_plain.py')
/** Batch driver for the encryption interop suites (many pyarrow reads/writes/comparisons per process). */
export const pyarrowCryptoScript = path.join(integrationDir, 'python', 'pyarrow_crypto.py')

/** Entry point of the real CLI and the build output it needs. */
export const cliBin = path.join(repoRoot, 'packages', 'cli', 'bin', 'pme.js')
export const cliDist = path.join(repoRoot, 'packages', 'cli', 'dist', 'index.js')
/** Build output of @pme/core, which the write-direction suites import. */
export const coreDist = path.join(repoRoot, 'packages', 'core', 'dist', 'index.js')

/** Same default and override as setup/python-env.sh. */
export const venvDir = process.env.PME_VENV_DIR
  ? path.resolve(repoRoot, process.env.PME_VENV_DIR)
  : path.join(repoRoot, '.cache', 'venv')
export const venvPython = path.join(venvDir, 'bin', 'python')

/**
 * The parquet-testing `data` folder: $PARQUET_TEST_DATA when set (a relative value is taken
 * relative to the repo root), else `../shared/parquet-testing/data` next to the repo root.
 */
export function testDataDir(): string {
  const fromEnv = process.env.PARQUET_TEST_DATA
  return fromEnv ? path.resolve(repoRoot, fromEnv) : path.resolve(repoRoot, '..', 'shared', 'parquet-testing', 'data')
}

export function isDirectory(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory()
}
