import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import type { TestProject } from 'vitest/node'
import {
  cliDist,
  coreDist,
  isDirectory,
  pythonEnvScript,
  repoRoot,
  sparkEnvScript,
  testDataDir,
  venvPython,
} from './paths.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Absolute path of the parquet-testing data folder, or null when it is absent (suite skipped). */
    pmeTestDataDir: string | null
    /** Interpreter of the venv that has the pinned pyarrow. */
    pmePython: string
  }
}

/**
 * The Spark suites (the KMS gateway, the Spark workflow) run in parallel workers and each calls
 * spark-env.sh: on a fresh clone two would install the same venv at once. It is provisioned here,
 * once, before them (their own calls then find it ready). Not when they are skipped (PME_IT_ONCE).
 */
function provisionSpark(): void {
  if (process.env.PME_IT_ONCE === 'skip') return
  const spark = spawnSync('bash', [sparkEnvScript], { cwd: repoRoot, encoding: 'utf8', timeout: 900_000 })
  if (spark.error || spark.status !== 0) {
    const reason = spark.error ? spark.error.message : spark.stderr.trim() || `exit code ${spark.status}`
    throw new Error(`Spark suites: could not provision Spark (${sparkEnvScript}).\n${reason}`)
  }
  console.log(`[integration] ${spark.stdout.trim()}`)
}

/**
 * Provisions the pinned pyarrow venv (setup/python-env.sh) once per run, so a fresh clone needs
 * no manual step. A missing python3 fails the run: this suite is part of CI and must not silently
 * skip. A missing parquet-testing folder skips the suite with a message naming PARQUET_TEST_DATA.
 */
export default function setup(project: TestProject): void {
  const env = spawnSync('bash', [pythonEnvScript], { cwd: repoRoot, encoding: 'utf8' })
  if (env.error || env.status !== 0) {
    const reason = env.error ? env.error.message : env.stderr.trim() || `exit code ${env.status}`
    throw new Error(
      `pyarrow interop suite: could not provision the Python environment (${pythonEnvScript}).\n${reason}\n` +
        'Install Python 3 (python3 with the venv module) and make the package index reachable, then re-run.',
    )
  }
  const line = env.stdout.trim()
  if (line) console.log(`[integration] ${line}`)
  provisionSpark()

  if (!existsSync(coreDist)) {
    throw new Error(
      `pyarrow interop suite: @pme/core is not built (${coreDist} is missing). Run \`pnpm build\` at the repo root.`,
    )
  }

  const dataDir = testDataDir()
  if (!isDirectory(dataDir)) {
    console.warn(
      `[integration] SKIPPING pyarrow interop tests: parquet-testing data folder not found at ${dataDir}. ` +
        'Set PARQUET_TEST_DATA to the parquet-testing "data" directory.',
    )
    project.provide('pmeTestDataDir', null)
  } else {
    if (!existsSync(cliDist)) {
      throw new Error(
        `pyarrow interop suite: the pme CLI is not built (${cliDist} is missing). Run \`pnpm build\` at the repo root.`,
      )
    }
    project.provide('pmeTestDataDir', dataDir)
  }
  project.provide('pmePython', venvPython)
}
