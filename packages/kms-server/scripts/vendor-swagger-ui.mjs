// Copies the Swagger UI files the /docs page serves from swagger-ui-dist (a devDependency) into
// dist/swagger-ui, with their licence and notices. Installing @pme/kms-server then brings 2 MB of
// Swagger UI instead of swagger-ui-dist's 12 MB, and no @scarf/scarf telemetry postinstall
// (the README's "Swagger UI" section says why).
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

// Served by src/swagger-ui.ts (keep the lists together), then the legal files that travel with them.
const SERVED = ['swagger-ui.css', 'index.css', 'swagger-ui-bundle.js', 'favicon-32x32.png']
const LEGAL = ['LICENSE', 'NOTICE', 'swagger-ui-bundle.js.LICENSE.txt']

const from = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))
const to = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'swagger-ui')
mkdirSync(to, { recursive: true })
for (const name of [...SERVED, ...LEGAL]) copyFileSync(join(from, name), join(to, name))
// The source maps are not shipped: drop the comments that point at them.
for (const name of ['swagger-ui.css', 'swagger-ui-bundle.js']) {
  const path = join(to, name)
  writeFileSync(path, readFileSync(path, 'utf8').replace(/\n?\/[/*][#@] sourceMappingURL=\S+?(?: \*\/)?\s*$/, '\n'))
}
