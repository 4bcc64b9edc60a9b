import { type KmsClient, kmsConnectionConfig } from '@pme/core'
import { afterAll, afterEach, beforeAll } from 'vitest'
import type { ItMode, KmsAccess, KmsBackend, RunningBackend } from './backend.js'
import { liveContainers } from './containers.js'

/** Lines of an emulator container's output printed after a suite with a failed test. */
const LOG_LINES_ON_FAILURE = 60

/** A KmsClient for `access`, built the way the CLI builds it (adapter factory, then connection). */
export async function clientFor(running: RunningBackend, access: KmsAccess): Promise<KmsClient> {
  const factory = await running.adapter.createKmsClientFactory(access.settings)
  return factory(kmsConnectionConfig(access.connection))
}

/**
 * Starts `backend` in `mode` before the suite and stops it after. The getter throws until it is
 * running, so a backend that could not start fails every test instead of skipping them. When a test
 * failed, the output of the emulator containers (docker mode) is printed before they are stopped.
 */
export function useBackend(backend: KmsBackend, mode: ItMode, suite: string): () => RunningBackend {
  let running: RunningBackend | undefined
  let failure: unknown
  let testFailed = false
  beforeAll(async () => {
    const started = Date.now()
    try {
      running = await backend.start(mode)
      console.log(`[kms] ${suite}: backend ${backend.name} started in ${mode} mode (${Date.now() - started} ms)`)
    } catch (error) {
      failure = error
      console.error(`[kms] ${suite}: backend ${backend.name} could NOT start in ${mode} mode`)
      throw error
    }
  }, 120_000)
  afterEach(({ task }) => {
    if (task.result?.state === 'fail') testFailed = true
  })
  afterAll(async () => {
    if (testFailed)
      for (const container of liveContainers())
        console.error(
          `[kms] ${suite}: a ${backend.name} test failed; last ${LOG_LINES_ON_FAILURE} lines of container ${container.image}:\n${container.logTail(LOG_LINES_ON_FAILURE)}`,
        )
    await running?.stop()
  }, 60_000)
  return () => {
    if (!running) throw new Error(`backend ${backend.name} is not running (${mode} mode): ${String(failure)}`)
    return running
  }
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected the call to fail, but it succeeded')
}
