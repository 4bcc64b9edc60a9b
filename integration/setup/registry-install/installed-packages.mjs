// What an install put on disk, read from node_modules itself (npm's nested layout and pnpm's
// .pnpm store alike): every package with an install-time script (preinstall, install, postinstall,
// or a binding.gyp, which npm builds with node-gyp), and how many copies of each package there are.
// Prints JSON: { packages, installScripts: ["name@version: script"], copies: { name: n } }.
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall']

/** Package directories directly under a node_modules folder (scoped ones one level down), not links. */
function* packageDirs(nodeModules) {
  for (const entry of readdirSync(nodeModules, { withFileTypes: true })) {
    const path = join(nodeModules, entry.name)
    if (entry.name === '.bin' || !entry.isDirectory()) continue // symlinks are not directories here
    if (entry.name === '.pnpm') {
      for (const id of readdirSync(path)) {
        const inner = join(path, id, 'node_modules')
        if (existsSync(inner)) yield* packageDirs(inner)
      }
    } else if (entry.name.startsWith('@')) {
      for (const scoped of readdirSync(path, { withFileTypes: true })) {
        if (scoped.isDirectory()) yield join(path, scoped.name)
      }
    } else {
      yield path
    }
  }
}

function* allPackages(nodeModules) {
  for (const dir of packageDirs(nodeModules)) {
    const manifestPath = join(dir, 'package.json')
    if (!existsSync(manifestPath)) continue
    yield { dir, manifest: JSON.parse(readFileSync(manifestPath, 'utf8')) }
    const nested = join(dir, 'node_modules')
    if (existsSync(nested) && !lstatSync(nested).isSymbolicLink()) yield* allPackages(nested)
  }
}

const installScripts = []
const copies = {}
let packages = 0
for (const { dir, manifest } of allPackages(join(process.argv[2], 'node_modules'))) {
  packages++
  const id = `${manifest.name}@${manifest.version}`
  copies[manifest.name] = (copies[manifest.name] ?? 0) + 1
  for (const script of INSTALL_SCRIPTS) {
    if (manifest.scripts?.[script]) installScripts.push(`${id}: ${script}: ${manifest.scripts[script]}`)
  }
  if (!INSTALL_SCRIPTS.some((script) => manifest.scripts?.[script]) && existsSync(join(dir, 'binding.gyp'))) {
    installScripts.push(`${id}: binding.gyp (node-gyp rebuild)`)
  }
}
console.log(JSON.stringify({ packages, installScripts, copies }))
