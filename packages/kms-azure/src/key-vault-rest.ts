import {
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineFromOptions,
  createPipelineRequest,
  type HttpClient,
  type Pipeline,
  RestError,
} from '@azure/core-rest-pipeline'
import type { TokenCredential } from '@azure/identity'
import { keyVaultAuthenticationPolicy } from '@azure/keyvault-common'
import type { KeyVaultOperations, PublicKey } from './azure-kms-client.js'

/** The Key Vault REST API version @azure/keyvault-keys 4.10.2 sends. */
const API_VERSION = '2025-07-01'

/**
 * Key Vault's keys REST API, three calls: wrapKey, unwrapKey (on a version, or the current one),
 * and get (for the local public-key wrap only). Through Azure's own HTTP pipeline and Key Vault
 * bearer-challenge policy (@azure/core-rest-pipeline, @azure/keyvault-common), as the SDK sends
 * them, but without the SDK's CryptographyClient, which reads the key (keys/get, a round trip)
 * before its first operation.
 */
export class KeyVaultRest implements KeyVaultOperations {
  readonly #pipeline: Pipeline
  readonly #http: HttpClient = createDefaultHttpClient()
  readonly #timeoutMs: number

  constructor(
    private readonly vaultUrl: string,
    credential: TokenCredential,
    options: { disableChallengeResourceVerification: boolean; requestTimeoutMs: number },
  ) {
    // One layer of retries: core's withRetry around each operation; the pipeline's own is off.
    this.#pipeline = createPipelineFromOptions({ retryOptions: { maxRetries: 0 } })
    this.#pipeline.addPolicy(
      keyVaultAuthenticationPolicy(credential, {
        disableChallengeResourceVerification: options.disableChallengeResourceVerification,
      }),
    )
    this.#timeoutMs = options.requestTimeoutMs
  }

  async #send(method: 'GET' | 'POST', path: string, body?: object): Promise<Record<string, unknown>> {
    const request = createPipelineRequest({
      url: `${this.vaultUrl}${path}?api-version=${API_VERSION}`,
      method,
      timeout: this.#timeoutMs,
      headers: createHttpHeaders({ accept: 'application/json', 'content-type': 'application/json' }),
      ...(body ? { body: JSON.stringify(body) } : {}),
    })
    const response = await this.#pipeline.sendRequest(this.#http, request)
    let parsed: Record<string, unknown> = {}
    try {
      parsed = JSON.parse(response.bodyAsText || '{}') as Record<string, unknown>
    } catch {
      // not JSON: the status says what went wrong
    }
    if (response.status !== 200) {
      const error = (parsed.error ?? {}) as { code?: string; message?: string }
      throw new RestError(error.message ?? `HTTP ${response.status}`, {
        statusCode: response.status,
        ...(error.code ? { code: error.code } : {}),
      })
    }
    return parsed
  }

  static #path(name: string, version: string | undefined): string {
    return `/keys/${encodeURIComponent(name)}/${encodeURIComponent(version ?? '')}`
  }

  async wrapKey(name: string, version: string | undefined, algorithm: string, key: Uint8Array) {
    const body = { alg: algorithm, value: Buffer.from(key).toString('base64url') }
    const out = await this.#send('POST', `${KeyVaultRest.#path(name, version)}/wrapkey`, body)
    return { kid: String(out.kid ?? ''), value: new Uint8Array(Buffer.from(String(out.value ?? ''), 'base64url')) }
  }

  async unwrapKey(name: string, version: string | undefined, algorithm: string, wrapped: Uint8Array) {
    const body = { alg: algorithm, value: Buffer.from(wrapped).toString('base64url') }
    const out = await this.#send('POST', `${KeyVaultRest.#path(name, version)}/unwrapkey`, body)
    return new Uint8Array(Buffer.from(String(out.value ?? ''), 'base64url'))
  }

  async publicKey(name: string, version: string | undefined): Promise<PublicKey> {
    const out = await this.#send('GET', KeyVaultRest.#path(name, version))
    const key = (out.key ?? {}) as Record<string, unknown>
    return { kid: String(key.kid ?? ''), kty: String(key.kty ?? ''), n: String(key.n ?? ''), e: String(key.e ?? '') }
  }
}
