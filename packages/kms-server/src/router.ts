import type { KmsOperation } from '@pme/kms-local'
import { HttpError } from './http/http-error.js'
import { masterKeyIdOf } from './key-requests.js'

/** What a request asks for. */
export type Route =
  | { readonly kind: 'key'; readonly operation: KmsOperation; readonly masterKeyId: string }
  | { readonly kind: 'healthz' | 'metrics' | 'openapi' }
  | { readonly kind: 'docs'; readonly file: string }

const KEY_PATH = /^\/v1\/keys\/([^/]+)\/(wrap|unwrap)$/
const DOCS_PATH = /^\/docs(?:\/([A-Za-z0-9._-]*))?$/
const FIXED: Readonly<Record<string, Route>> = {
  '/healthz': { kind: 'healthz' },
  '/metrics': { kind: 'metrics' },
  '/openapi.json': { kind: 'openapi' },
}

const methodsOf = (route: Route): readonly string[] => (route.kind === 'key' ? ['POST'] : ['GET', 'HEAD'])

/** The route of a request target; 404 for none, 405 (with `allow`) for a route that takes other methods. */
export function routeOf(method: string, target: string): Route {
  const path = target.split('?', 1)[0] ?? ''
  const route = matchPath(path)
  if (!route) throw new HttpError(404, 'not_found', 'no such route (see /docs)')
  const methods = methodsOf(route)
  if (!methods.includes(method)) {
    throw new HttpError(405, 'method_not_allowed', `method not allowed here: use ${methods.join(', ')}`, {
      headers: { allow: methods.join(', ') },
    })
  }
  return route
}

function matchPath(path: string): Route | undefined {
  const key = KEY_PATH.exec(path)
  if (key?.[1] && key[2]) {
    return { kind: 'key', operation: key[2] as KmsOperation, masterKeyId: masterKeyIdOf(key[1]) }
  }
  const docs = DOCS_PATH.exec(path)
  if (docs) return { kind: 'docs', file: docs[1] ?? '' }
  return Object.hasOwn(FIXED, path) ? FIXED[path] : undefined
}
