import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { HttpError } from './http/http-error.js'

/** A file of the docs page: its bytes and content type. */
export interface StaticFile {
  readonly body: Buffer
  readonly contentType: string
}

const PAGE = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>pme KMS: Swagger UI</title>
    <link rel="stylesheet" type="text/css" href="/docs/swagger-ui.css">
    <link rel="stylesheet" type="text/css" href="/docs/index.css">
    <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/swagger-ui-bundle.js" charset="UTF-8"></script>
    <script src="/docs/swagger-initializer.js" charset="UTF-8"></script>
  </body>
</html>
`

// A file of its own, not an inline script: the page's CSP allows scripts from this server only.
const INITIALIZER = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    tryItOutEnabled: true,
    persistAuthorization: false,
  })
}
`

/** Swagger UI's files the page uses (scripts/vendor-swagger-ui.mjs copies them), by the name they are served under (a fixed list: no path is ever joined from a request). */
const DIST_FILES: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'index.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
}

/** The page's Content-Security-Policy: everything from this server; inline styles and data: images for Swagger UI. */
export const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// Copied at build time by scripts/vendor-swagger-ui.mjs; the same path from src/ (tests) and dist/.
const distDir = () => fileURLToPath(new URL('../dist/swagger-ui/', import.meta.url))

/** Serves /docs and its assets, from Swagger UI's files (read once, kept in memory). */
export class SwaggerUiFiles {
  readonly #cache = new Map<string, Promise<StaticFile>>()

  /** The file for a path under /docs (`''` is the page), or a 404. */
  file(name: string): Promise<StaticFile> {
    if (name === '') return Promise.resolve({ body: Buffer.from(PAGE), contentType: 'text/html; charset=utf-8' })
    if (name === 'swagger-initializer.js') {
      return Promise.resolve({ body: Buffer.from(INITIALIZER), contentType: 'text/javascript; charset=utf-8' })
    }
    const contentType = Object.hasOwn(DIST_FILES, name) ? DIST_FILES[name] : undefined
    if (!contentType) return Promise.reject(new HttpError(404, 'not_found', 'no such file'))
    let file = this.#cache.get(name)
    if (!file) {
      file = readFile(join(distDir(), name)).then((body) => ({ body, contentType }))
      file.catch(() => this.#cache.delete(name))
      this.#cache.set(name, file)
    }
    return file
  }
}
