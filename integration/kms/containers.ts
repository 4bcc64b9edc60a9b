import { randomUUID } from 'node:crypto'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { type Content, GenericContainer, getContainerRuntimeClient, type WaitStrategy } from 'testcontainers'

/*
 * Emulator containers of the docker mode (testcontainers, Docker or podman's Docker API). Each
 * container publishes its port on 127.0.0.1 only, keeps the tail of its log (quoted when it fails to
 * start, and printed after a suite with a failed test), carries this run's label so the KMS global
 * teardown removes whatever a crashed worker left, and is removed when stopped.
 */

/** Label naming the test run (the KMS global setup's run folder) on every container it starts. */
export const RUN_LABEL = 'pme.it.run'
/** Label naming one start, to find the container when the start fails before testcontainers says which it is. */
const START_LABEL = 'pme.it.start'
const FAILURE_LOG_LINES = 40
const LOG_TAIL_BYTES = 64 * 1024

/** The current test run's id (inherited by the workers from the KMS global setup). */
export function runId(env: NodeJS.ProcessEnv = process.env): string {
  return path.basename(env.PME_IT_RUN_DIR ?? `pid-${process.pid}`)
}

/** An emulator container that did not start or never got ready; the message quotes its log. */
export class ContainerStartError extends Error {
  override readonly name = 'ContainerStartError'
}

export interface ContainerSpec {
  readonly image: string
  /** The container port the emulator listens on (published on a random 127.0.0.1 port). */
  readonly port: number
  readonly wait: WaitStrategy
  readonly env?: Record<string, string>
  readonly entrypoint?: string[]
  readonly command?: string[]
  /** Host files to copy in before the start. */
  readonly files?: { source: string; target: string }[]
  /** Texts to write into the container before the start (e.g. a throwaway TLS certificate). */
  readonly contents?: { content: Content; target: string }[]
  readonly startupTimeoutMs?: number
  /** The container class to start (a testcontainers module's); default GenericContainer. */
  readonly create?: (image: string) => GenericContainer
}

export interface EmulatorContainer {
  readonly image: string
  /** Where the published port is: 127.0.0.1 (TESTCONTAINERS_HOST_OVERRIDE) or the engine's host. */
  readonly host: string
  /** The published (host) port of `ContainerSpec.port`. */
  readonly port: number
  /** The last `lines` lines of the container's output. */
  logTail(lines?: number): string
  /** Stops and removes the container (idempotent). */
  stop(): Promise<void>
}

/** Containers this worker started and has not stopped. */
const live = new Set<EmulatorContainer>()

export function liveContainers(): readonly EmulatorContainer[] {
  return [...live]
}

/** The end of a container's output, kept as it streams. */
class LogTail {
  #text = ''

  follow(stream: Readable): void {
    stream.on('data', (chunk: Buffer | string) => {
      this.#text = (this.#text + chunk.toString()).slice(-LOG_TAIL_BYTES)
    })
    stream.on('error', () => {})
  }

  lines(count: number): string {
    return this.#text.trimEnd().split('\n').slice(-count).join('\n')
  }
}

/**
 * Binds the published ports of `container` to 127.0.0.1 (testcontainers binds every interface).
 * Works for GenericContainer and its modules' subclasses (LocalstackContainer): it edits the host
 * config every GenericContainer has (protected, hence the cast).
 */
function bindToLoopback<C extends GenericContainer>(container: C): C {
  const { hostConfig } = container as unknown as {
    hostConfig: { PortBindings?: Record<string, { HostIp?: string }[]> }
  }
  for (const bindings of Object.values(hostConfig.PortBindings ?? {}))
    for (const binding of bindings) binding.HostIp = '127.0.0.1'
  return container
}

/** Starts `spec` and waits until its wait strategy says it is ready. */
export async function startContainer(spec: ContainerSpec): Promise<EmulatorContainer> {
  const log = new LogTail()
  const start = randomUUID()
  let container = (spec.create?.(spec.image) ?? new GenericContainer(spec.image))
    .withExposedPorts(spec.port)
    .withLabels({ [RUN_LABEL]: runId(), [START_LABEL]: start })
    .withWaitStrategy(spec.wait)
    .withStartupTimeout(spec.startupTimeoutMs ?? 60_000)
    .withLogConsumer((stream) => log.follow(stream))
  if (spec.env) container = container.withEnvironment(spec.env)
  if (spec.entrypoint) container = container.withEntrypoint(spec.entrypoint)
  if (spec.command) container = container.withCommand(spec.command)
  if (spec.files) container = container.withCopyFilesToContainer(spec.files)
  if (spec.contents) container = container.withCopyContentToContainer(spec.contents)
  let started: Awaited<ReturnType<GenericContainer['start']>>
  try {
    started = await bindToLoopback(container).start()
  } catch (error) {
    // A container that exited before its port was published is still there, and its output unread.
    const leftover = await removeLabelled(START_LABEL, start, FAILURE_LOG_LINES).then(
      (removed) => removed.output,
      () => '',
    )
    const output = log.lines(FAILURE_LOG_LINES) || leftover
    throw new ContainerStartError(
      `container ${spec.image} did not start: ${error instanceof Error ? error.message : String(error)}\n` +
        (output ? `--- last lines of its output ---\n${output}` : '(it wrote no output)'),
      { cause: error },
    )
  }
  let stopped = false
  const handle: EmulatorContainer = {
    image: spec.image,
    host: started.getHost(),
    port: started.getMappedPort(spec.port),
    logTail: (lines = 50) => log.lines(lines),
    stop: async () => {
      if (stopped) return
      stopped = true
      live.delete(handle)
      await started.stop({ remove: true, removeVolumes: true })
    },
  }
  live.add(handle)
  return handle
}

/** Removes every container labelled with run `id` (what crashed workers left); returns how many. */
export async function removeRunContainers(id: string): Promise<number> {
  return (await removeLabelled(RUN_LABEL, id, 0)).count
}

/** Removes the containers whose label `name` is `value`; returns how many, and the last `logLines` lines of their output. */
async function removeLabelled(
  name: string,
  value: string,
  logLines: number,
): Promise<{ count: number; output: string }> {
  const client = await getContainerRuntimeClient()
  const found = await client.container.dockerode.listContainers({ all: true, filters: { label: [`${name}=${value}`] } })
  let output = ''
  for (const info of found) {
    const container = client.container.getById(info.Id)
    if (logLines > 0) {
      const tail = new LogTail()
      const stream = await client.container.logs(container, { tail: logLines })
      tail.follow(stream)
      // An exited container's log stream ends by itself; a running one's is cut after a second.
      await new Promise((resolve) => {
        stream.once('end', resolve)
        setTimeout(resolve, 1_000).unref()
      })
      stream.destroy()
      output += tail.lines(logLines)
    }
    await client.container.stop(container, { timeout: 0 }).catch(() => {})
    await client.container.remove(container, { removeVolumes: true }).catch(() => {})
  }
  return { count: found.length, output }
}
