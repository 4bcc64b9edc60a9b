import { existsSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ItMode, KmsBackend } from './backend.js'

const backendsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'backends')
const MODES: readonly ItMode[] = ['process', 'docker', 'external']

/** PME_IT_MODE: process (default), docker or external. */
export function itMode(env: NodeJS.ProcessEnv = process.env): ItMode {
  const mode = env.PME_IT_MODE || 'process'
  if (!MODES.includes(mode as ItMode)) throw new Error(`PME_IT_MODE must be one of ${MODES.join(', ')} (got "${mode}")`)
  return mode as ItMode
}

/** Every backend module in kms/backends/, by name. */
export async function registeredBackends(): Promise<Map<string, KmsBackend>> {
  const files = readdirSync(backendsDir)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .sort()
  const backends = new Map<string, KmsBackend>()
  for (const file of files) {
    const module = (await import(path.join(backendsDir, file))) as { backend?: KmsBackend }
    if (!module.backend) throw new Error(`kms/backends/${file} exports no \`backend\``)
    backends.set(module.backend.name, module.backend)
  }
  return backends
}

/** The backends PME_IT_BACKENDS names (comma list; default: all registered). Unknown names fail. */
export async function selectedBackends(env: NodeJS.ProcessEnv = process.env): Promise<KmsBackend[]> {
  const all = await registeredBackends()
  const wanted = (env.PME_IT_BACKENDS ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean)
  if (wanted.length === 0) return [...all.values()]
  return wanted.map((name) => {
    const backend = all.get(name)
    if (!backend) throw new Error(`PME_IT_BACKENDS names "${name}"; registered: ${[...all.keys()].join(', ')}`)
    return backend
  })
}

/**
 * Why a mode cannot run on this machine, or undefined. Only docker mode may be skipped (no Docker
 * socket and no DOCKER_HOST); a backend that fails to start in any other case fails the suite.
 */
export function modeSkipReason(mode: ItMode, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (mode !== 'docker') return undefined
  if (env.DOCKER_HOST || existsSync('/var/run/docker.sock')) return undefined
  return 'PME_IT_MODE=docker but no Docker engine here (no DOCKER_HOST, no /var/run/docker.sock): KMS suites skipped'
}
