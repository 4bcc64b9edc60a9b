import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { TestProject } from 'vitest/node'
import { repoRoot } from './paths.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** `java` arguments that start the parquet-java interop driver (integration/interop/java). */
    pmeJavaCommand: string[]
  }
}

export const javaEnvScript = path.join(repoRoot, 'integration', 'setup', 'java-env.sh')
const buildDir = path.join(repoRoot, '.cache', 'java-interop')

/**
 * Builds the parquet-java driver (setup/java-env.sh: Maven, offline after the first run) once per
 * run. A missing Java or Maven fails the run: the suite is part of CI and must not silently skip.
 */
export default function setup(project: TestProject): void {
  const env = spawnSync('bash', [javaEnvScript], { cwd: repoRoot, encoding: 'utf8' })
  if (env.error || env.status !== 0) {
    const reason = env.error ? env.error.message : env.stderr.trim() || `exit code ${env.status}`
    throw new Error(`parquet-java interop suite: could not build the Java driver (${javaEnvScript}).\n${reason}`)
  }
  const line = env.stdout.trim()
  if (line) console.log(`[integration] ${line}`)
  const classpath = readFileSync(path.join(buildDir, 'classpath.txt'), 'utf8').trim()
  project.provide('pmeJavaCommand', [
    '-XX:+UseSerialGC',
    // No -XX:TieredStopAtLevel=1: C1-only code made parquet-java's reads of its own files ~10x slower
    // (the first batch took ~105 s instead of ~20 s)
    '-Xshare:auto',
    '-cp',
    `${path.join(buildDir, 'classes')}${path.delimiter}${classpath}`,
    'pme.interop.Main',
  ])
}
