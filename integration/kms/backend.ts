import type { KmsAdapter, KmsAdapterSettings, KmsConnectionConfig } from '@pme/core'
import type { Fault } from './fault-proxy.js'

/*
 * The integration harness's view of a KMS backend. Every backend gets an endpoint in one of three
 * modes (PME_IT_MODE); the contract and end-to-end suites only use this interface, so the same
 * suite code runs against a local emulator process, a container, or a real cloud account.
 */

export type ItMode = 'process' | 'docker' | 'external'

/** How to reach the backend as one principal: what the CLI's config file would hold. */
export interface KmsAccess {
  readonly connection: Partial<KmsConnectionConfig>
  readonly settings: KmsAdapterSettings
}

/** Retry limit and request timeout the fault tests ask of an `accessVia` principal. */
export interface FaultTuning {
  /** Attempts in all, the first included, before the adapter fails with KmsUnavailableError. */
  readonly attempts: number
  /** Per-request timeout in ms; the proxy's delay fault waits longer than this. */
  readonly requestTimeoutMs: number
}

/**
 * What the contract's fault tests drive: a proxy in front of the backend that injects `Fault`s
 * and counts the requests (RPCs) it receives. `FaultProxy` (HTTP/1.1) by default; a backend whose
 * protocol it cannot carry (gRPC over HTTP/2) supplies its own through `createFaultProxy`.
 */
export interface FaultInjector {
  /** Requests received since start or the last `inject`. */
  readonly received: number
  /** Starts listening on a free loopback port; returns the base URL to give `accessVia`. */
  start(): Promise<string>
  /** The next `count` requests get `fault` (Infinity: all of them); later ones pass. Resets the count. */
  inject(fault: Fault, count: number): void
  stop(): Promise<void>
}

export interface RunningBackend {
  readonly name: string
  readonly mode: ItMode
  /** The adapter package (`@pme/kms-<kmsType>`), loaded as the CLI loads it. */
  readonly adapter: KmsAdapter
  /** The config file's `kms.type` when it is not `name` (`localstack` runs the `aws` adapter). */
  readonly kmsType?: string
  /** A principal allowed to use every master key the suite creates. */
  readonly access: KmsAccess
  /** Creates a fresh master key (unique name) and returns its id as the adapter takes it. */
  createMasterKey(): Promise<string>
  /** Makes a new version of the master key current; older versions must still unwrap. */
  rotateMasterKey(masterKeyId: string): Promise<void>
  /** A principal the backend refuses for `masterKeyId` (to test KmsAccessDenied). */
  deniedAccess(masterKeyId: string): Promise<KmsAccess>
  /**
   * Why no principal can be refused at all, for an emulator that checks no permissions
   * (fake-cloud-kms, lowkey-vault): the access-denied test is then skipped with this reason.
   */
  readonly cannotDeny?: string | undefined
  /**
   * The same principal, reaching the backend through another base URL (a fault-injecting proxy).
   * With `tuning`, the returned settings must make the adapter use exactly that retry limit and
   * request timeout (the fault tests count attempts and wait for timeouts).
   */
  accessVia(baseUrl: string, tuning?: FaultTuning): KmsAccess
  /**
   * Optional: the master key version a wrapped key was made with, when the format tells
   * (Vault: `vault:v3:...` → 3). The rotation test then checks that new wraps use the new version.
   */
  keyVersionOf?(wrapped: string): number | undefined
  /**
   * Optional: a fault proxy in front of this backend speaking its protocol (default: the HTTP/1.1
   * `FaultProxy` in front of `baseUrl`). gRPC backends need an HTTP/2 one.
   */
  createFaultProxy?(): FaultInjector
  /** The backend's own base URL (what accessVia replaces). */
  readonly baseUrl: string
  stop(): Promise<void>
}

/**
 * A backend module is `integration/kms/backends/<name>.ts` exporting `backend: KmsBackend`; the
 * registry (registry.ts) finds it there. Helpers of a backend live elsewhere (e.g. `kms/vault/`).
 */
export interface KmsBackend {
  readonly name: string
  /**
   * Optional: installs what `mode` needs (emulator from a package registry into `.cache/`),
   * idempotently. Runs once per test run in the KMS global setup (the main process, before any
   * suite), so parallel suites never race on an install. Throw to fail the run.
   */
  prepare?(mode: ItMode): void | Promise<void>
  /**
   * Optional: why this backend cannot run in `mode` at all (e.g. docker mode for a service without
   * any image), or undefined. The suites then skip this backend in that mode and print the reason.
   */
  skipReason?(mode: ItMode): string | undefined
  start(mode: ItMode): Promise<RunningBackend>
}
