import path from 'node:path'
import { killLeftovers, startRun, sweepDeadRuns } from './child-processes.js'
import { removeRunContainers } from './containers.js'
import { itMode, modeSkipReason, selectedBackends } from './registry.js'

/**
 * KMS suites' global setup: validates PME_IT_MODE / PME_IT_BACKENDS, lets each selected backend
 * install what its mode needs (once, before any suite), and on teardown kills any emulator
 * process, and in docker mode removes any container of this run, a crashed worker left behind.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const swept = sweepDeadRuns()
  if (swept > 0) console.warn(`[kms] killed ${swept} emulator process(es) an earlier, crashed run left running`)
  const runDir = startRun()
  const mode = itMode()
  const backends = await selectedBackends()
  const skip = modeSkipReason(mode)
  console.log(`[kms] mode ${mode}; backends: ${backends.map((backend) => backend.name).join(', ') || 'none'}`)
  if (skip) console.warn(`[kms] ${skip}`)
  else for (const backend of backends) if (!backend.skipReason?.(mode)) await backend.prepare?.(mode)
  return async () => {
    const killed = killLeftovers(runDir)
    if (killed > 0) console.warn(`[kms] teardown killed ${killed} emulator process(es) left running`)
    if (mode !== 'docker' || skip) return
    const removed = await removeRunContainers(path.basename(runDir))
    if (removed > 0) console.warn(`[kms] teardown removed ${removed} emulator container(s) left behind`)
  }
}
