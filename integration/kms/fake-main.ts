/*
 * What the container entry points of this repository's fakes share (azure/fake-key-vault-main.ts,
 * ibm/fake-key-protect-main.ts): configuration from environment variables, a log line the suites
 * wait for, and a clean exit on SIGTERM/SIGINT (a process that is PID 1 gets no default handlers).
 */

/** Thrown when a fake's container configuration is missing or malformed. */
export class FakeConfigError extends Error {
  override readonly name = 'FakeConfigError'
}

/** The JSON object in environment variable `name` (`{}` when unset). */
export function jsonEnv(name: string): Record<string, unknown> {
  const text = process.env[name]
  if (!text) return {}
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new FakeConfigError(`${name} is not JSON`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new FakeConfigError(`${name} must be a JSON object`)
  return parsed as Record<string, unknown>
}

/** The TCP port in environment variable `name`, or `fallback`. */
export function portEnv(name: string, fallback: number): number {
  const port = Number(process.env[name] ?? fallback)
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new FakeConfigError(`${name} is not a TCP port`)
  return port
}

/** Starts `fake` on 0.0.0.0:`port`, prints `<what> listening on <url>`, and stops it on SIGTERM/SIGINT. */
export async function serveFake(
  what: string,
  port: number,
  fake: { start(port: number, host: string): Promise<string>; stop(): Promise<void> },
): Promise<void> {
  const url = await fake.start(port, '0.0.0.0')
  console.log(`${what} listening on ${url}`)
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      fake.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      )
    })
  }
}
