// Writes the root README's CLI and TypeScript examples, as they are written there, into a project:
// example.sh (the sh block that runs `pme encrypt`) and example.ts (the ts block that imports
// @pme/core). The one change: each `<base64>` placeholder becomes a fresh random 16-byte key.
// Run from the install test, so the README's examples stay true.
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const [readmePath, projectDir] = process.argv.slice(2)
const blocks = [...readFileSync(readmePath, 'utf8').matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].map(([, lang, body]) => ({
  lang,
  body,
}))

function block(lang, marker) {
  const found = blocks.filter((candidate) => candidate.lang === lang && candidate.body.includes(marker))
  if (found.length !== 1) throw new Error(`README: expected one ${lang} block with "${marker}", found ${found.length}`)
  return found[0].body
}

const cli = block('sh', 'pme encrypt')
const placeholders = cli.match(/<base64>/g)?.length ?? 0
if (placeholders === 0) throw new Error('README: the CLI example has no <base64> key placeholder to fill')
writeFileSync(
  join(projectDir, 'example.sh'),
  cli.replaceAll('<base64>', () => randomBytes(16).toString('base64')),
)
writeFileSync(join(projectDir, 'example.ts'), block('ts', "from '@pme/core'"))
console.log(`README examples: example.sh (${placeholders} key placeholders filled), example.ts`)
