import { existsSync } from 'node:fs'
import path from 'node:path'
import { LocalstackContainer } from '@testcontainers/localstack'
import { Wait } from 'testcontainers'
import { repoRoot } from '../../setup/paths.js'
import { startEmulator } from '../child-processes.js'
import { startContainer } from '../containers.js'
import { freePort, waitUntil } from '../ports.js'
import type { MotoServer } from './moto-server.js'

/** Where setup/localstack-env.sh puts LocalStack's venv (same default and override). */
export const localstackDir = process.env.PME_LOCALSTACK_DIR
  ? path.resolve(repoRoot, process.env.PME_LOCALSTACK_DIR)
  : path.join(repoRoot, '.cache', 'localstack-2026.3.0')
export const localstackEnvScript = path.join(repoRoot, 'integration', 'setup', 'localstack-env.sh')

/** LocalStack's gateway port in its image (LocalstackContainer exposes it). */
const LOCALSTACK_PORT = 4566

/** docker mode image: the last public LocalStack image that starts without an auth token. */
export const DEFAULT_LOCALSTACK_IMAGE = 'localstack/localstack:4.14.0'

/**
 * LocalStack's configuration for the suites, the same in both modes: KMS only, loaded at start (so
 * "ready" means KMS is), no certificate download and no usage events (no network beyond loopback).
 */
const LOCALSTACK_ENV = {
  SERVICES: 'kms',
  EAGER_SERVICE_LOADING: '1',
  SKIP_SSL_CERT_DOWNLOAD: '1',
  DISABLE_EVENTS: '1',
}

/** True once LocalStack's health endpoint lists KMS as running. */
export async function kmsRunning(endpoint: string): Promise<boolean> {
  const answer = await fetch(`${endpoint}/_localstack/health`, { signal: AbortSignal.timeout(2_000) })
  if (!answer.ok) return false
  const health = (await answer.json()) as { services?: Record<string, string> }
  return health.services?.kms === 'running'
}

/**
 * LocalStack (localstack-core, host mode: no Docker) on a free loopback port, its files in the
 * emulator's work folder; stopped and cleaned by `stop`. Unpatched: what it answers is LocalStack's.
 */
export async function startLocalstackProcess(): Promise<MotoServer> {
  const python = path.join(localstackDir, 'bin', 'python')
  if (!existsSync(python))
    throw new Error(
      `LocalStack is not installed at ${localstackDir}: run ${localstackEnvScript} (the KMS global setup does)`,
    )
  const port = await freePort()
  const endpoint = `http://127.0.0.1:${port}`
  const { child, stop } = await startEmulator({
    name: `LocalStack at ${endpoint}`,
    command: python,
    args: ['-m', 'localstack.runtime.main'],
    env: {
      ...LOCALSTACK_ENV,
      GATEWAY_LISTEN: `127.0.0.1:${port}`,
      // host mode on a machine that looks like a container to it; every file under the work folder
      OVERRIDE_IN_DOCKER: '0',
      FILESYSTEM_ROOT: 'localstack-files',
      TMPDIR: '.',
      PYTHONUNBUFFERED: '1',
    },
    ready: () => kmsRunning(endpoint).catch(() => false),
    timeoutMs: 60_000,
  })
  return { endpoint, description: `LocalStack process at ${endpoint} (pid ${child.pid})`, stop }
}

/**
 * LocalStack in a container through @testcontainers/localstack (PME_IT_LOCALSTACK_IMAGE, default
 * the public image), started like every emulator container (loopback port, run label, log tail);
 * ready when it logs "Ready" (the module's wait strategy) and its KMS runs.
 */
export async function startLocalstackContainer(): Promise<MotoServer> {
  const image = process.env.PME_IT_LOCALSTACK_IMAGE || DEFAULT_LOCALSTACK_IMAGE
  const container = await startContainer({
    image,
    port: LOCALSTACK_PORT,
    env: LOCALSTACK_ENV,
    wait: Wait.forLogMessage('Ready', 1),
    startupTimeoutMs: 120_000,
    create: (name) => new LocalstackContainer(name),
  })
  const endpoint = `http://${container.host}:${container.port}`
  await waitUntil(`LocalStack KMS at ${endpoint}`, () => kmsRunning(endpoint).catch(() => false), 30_000)
  return { endpoint, description: `container ${image} at ${endpoint}`, stop: () => container.stop() }
}
