import { readFileSync } from 'node:fs'

/** This package's version, from its package.json (one level above src/ and dist/ alike). */
export function version(): string {
  return JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version
}
