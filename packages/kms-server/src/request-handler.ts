import type { IncomingMessage } from 'node:http'
import { LocalKms } from '@pme/kms-local'
import { AuthFailureLimiter } from './access/auth-failure-limit.js'
import { ServerAccess } from './access/server-access.js'
import type { KeyService } from './backend.js'
import type { HttpError } from './http/http-error.js'
import { asHttpError, errorReply, jsonReply, type Reply } from './http/respond.js'
import { handleKeyRequest, type KeyRouteContext } from './key-route.js'
import { keyLabel, outcomeOf, RequestMetrics } from './metrics.js'
import { openApiDocument } from './openapi.js'
import { checkedMaxBodyBytes, type KmsServerOptions } from './options.js'
import { type Route, routeOf } from './router.js'
import { DOCS_CSP, SwaggerUiFiles } from './swagger-ui.js'

/** Everything one request needs, built once per server. */
export class RequestHandler {
  readonly #access: ServerAccess
  readonly #metrics = new RequestMetrics()
  readonly #docs = new SwaggerUiFiles()
  readonly #keyContext: KeyRouteContext
  readonly #openApi: string

  constructor(options: KmsServerOptions, keys: () => Promise<KeyService>) {
    this.#access = new ServerAccess(options.access)
    this.#keyContext = {
      access: this.#access,
      keys,
      maxBodyBytes: checkedMaxBodyBytes(options.maxBodyBytes),
      limiter: new AuthFailureLimiter(options.authFailureLimit, options.clock),
    }
    this.#openApi = JSON.stringify(openApiDocument(configuredKeyIds(options, this.#access)))
  }

  /** The reply to a request, and what to log about it. */
  async reply(request: IncomingMessage): Promise<{ reply: Reply; error?: HttpError }> {
    let route: Route | undefined
    try {
      route = routeOf(request.method ?? '', request.url ?? '')
      return { reply: await this.#answer(request, route) }
    } catch (thrown) {
      const error = asHttpError(thrown)
      if (route?.kind === 'key') this.#count(route, error.status)
      return { reply: errorReply(error, request.complete), error }
    }
  }

  async #answer(request: IncomingMessage, route: Route): Promise<Reply> {
    switch (route.kind) {
      case 'key': {
        const body = await handleKeyRequest(request, route.operation, route.masterKeyId, this.#keyContext)
        this.#count(route, 200)
        return jsonReply(200, body)
      }
      case 'healthz':
        return jsonReply(200, { status: 'ok' })
      case 'metrics':
        return {
          status: 200,
          body: this.#metrics.render(),
          headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' },
        }
      case 'openapi':
        return { status: 200, body: this.#openApi, headers: { 'content-type': 'application/json; charset=utf-8' } }
      case 'docs': {
        const file = await this.#docs.file(route.file)
        return {
          status: 200,
          body: file.body,
          headers: { 'content-type': file.contentType, 'content-security-policy': DOCS_CSP },
        }
      }
    }
  }

  #count(route: Extract<Route, { kind: 'key' }>, status: number): void {
    const outcome = outcomeOf(status)
    this.#metrics.record(route.operation, keyLabel(route.masterKeyId, outcome, this.#access.namedKeyIds), outcome)
  }
}

/**
 * The master key ids the docs list (ids only, never key bytes): every key of a local backend, else
 * the ids the access policy names (an adapter's keys cannot be listed).
 */
function configuredKeyIds(options: KmsServerOptions, access: ServerAccess): { ids: string[]; complete: boolean } {
  if (options.backend instanceof LocalKms) return { ids: options.backend.masterKeyIds(), complete: true }
  return { ids: [...access.namedKeyIds].sort(), complete: false }
}
