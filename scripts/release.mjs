#!/usr/bin/env node
// Builds, packs and checks every public package, then publishes the tarballs in dependency order
// (@pme/core first), so a registry never holds a package whose pme dependencies are missing. Nothing
// is published unless every tarball passes its checks. A version already in the registry is skipped,
// so an interrupted release can be run again. Publishing needs the registry's credentials in npm's
// configuration (npm login), as any npm publish.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'

const USAGE = `usage: node scripts/release.mjs [--registry <url> [--anonymous]] [--out <dir>] [--no-build] [--pack-only] [--dry-run]

  --registry <url>  publish there (default: npm's configured registry)
  --anonymous       for a throwaway local registry that lets anyone publish (the CI install test): npm
                    refuses to publish without a token, so a placeholder one is sent
  --out <dir>       where the tarballs go (default: .release)
  --no-build        use the packages' dist as it is (CI built it already, from a clean checkout)
  --pack-only       build, pack and check; publish nothing
  --dry-run         npm publish --dry-run: show what would be published
`

const root = resolve(import.meta.dirname, '..')
const { values } = parseArgs({
  options: {
    registry: { type: 'string' },
    anonymous: { type: 'boolean', default: false },
    out: { type: 'string', default: '.release' },
    'no-build': { type: 'boolean', default: false },
    'pack-only': { type: 'boolean', default: false },
    'dry-run': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
})
if (values.help) {
  process.stdout.write(USAGE)
  process.exit(0)
}

const run = (command, args, options = {}) =>
  execFileSync(command, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], ...options })
const registryArgs = values.registry ? ['--registry', values.registry] : []
if (values.anonymous) {
  if (!values.registry) throw new Error('--anonymous needs --registry')
  const { host, pathname } = new URL(values.registry)
  registryArgs.push(`--//${host}${pathname.replace(/\/?$/, '/')}:_authToken=anonymous`)
}

/** The public workspace packages, each after the pme packages it depends on (dependencies and peers). */
function packagesInOrder() {
  const all = readdirSync(join(root, 'packages'))
    .map((name) => join(root, 'packages', name))
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
    .filter(({ manifest }) => !manifest.private)
  const byName = new Map(all.map((pkg) => [pkg.manifest.name, pkg]))
  const ordered = []
  const visiting = new Set()
  const visit = (pkg) => {
    if (ordered.includes(pkg)) return
    if (visiting.has(pkg)) throw new Error(`dependency cycle through ${pkg.manifest.name}`)
    visiting.add(pkg)
    const { dependencies = {}, peerDependencies = {} } = pkg.manifest
    for (const name of Object.keys({ ...dependencies, ...peerDependencies })) {
      if (byName.has(name)) visit(byName.get(name))
    }
    ordered.push(pkg)
  }
  for (const pkg of all) visit(pkg)
  return ordered
}

function filesUnder(dir) {
  return readdirSync(dir, { recursive: true })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile())
}

/** What is wrong with a packed tarball: licence files, ranges, exports, source maps. */
function problems(tarball) {
  const scratch = mkdtempSync(join(tmpdir(), 'pme-release-'))
  try {
    run('tar', ['-xzf', tarball, '-C', scratch])
    const dir = join(scratch, 'package')
    const found = []
    for (const legal of ['LICENSE', 'NOTICE']) {
      const path = join(dir, legal)
      if (!existsSync(path)) found.push(`no ${legal}`)
      else if (!readFileSync(path).equals(readFileSync(join(root, legal))))
        found.push(`${legal} differs from the root's`)
    }
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
    if (JSON.stringify(manifest).includes('workspace:')) found.push('a workspace: range was left in package.json')
    if (manifest.publishConfig?.access !== 'public') found.push('publishConfig.access is not public')
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      for (const [name, range] of Object.entries(manifest[field] ?? {})) {
        // A tilde only where the next minor drops Node 20 (@azure/identity 4.14 needs Node 22).
        if (!/^[~^]/.test(range)) found.push(`${field}.${name} is ${range}, not a caret (or tilde) range`)
      }
    }
    if (manifest.name !== '@pme/core' && !manifest.peerDependencies?.['@pme/core']) {
      found.push('@pme/core is not a peer dependency')
    }
    const targets = JSON.stringify(manifest.exports).match(/"\.\/[^"]+"/g) ?? []
    for (const target of targets) {
      if (!existsSync(join(dir, JSON.parse(target)))) found.push(`exports names ${target}, not in the tarball`)
    }
    for (const path of filesUnder(dir).filter((file) => file.endsWith('.map'))) {
      const map = JSON.parse(readFileSync(path, 'utf8'))
      const complete = Array.isArray(map.sourcesContent) && map.sourcesContent.length === map.sources.length
      if (!complete || map.sourcesContent.some((source) => typeof source !== 'string')) {
        found.push(`${relative(dir, path)} has no sourcesContent`)
      }
    }
    return found
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

function published(name, version) {
  try {
    return run('npm', ['view', `${name}@${version}`, 'version', ...registryArgs], { stdio: 'pipe' }).trim() !== ''
  } catch {
    return false // E404: not there yet
  }
}

const packages = packagesInOrder()
if (!values['no-build']) {
  // A clean build: tsc never removes outputs of deleted sources, and a stale file would be published.
  for (const { dir } of packages) rmSync(join(dir, 'dist'), { recursive: true, force: true })
  run('pnpm', ['build', '--force', '--output-logs=errors-only'], { stdio: 'inherit' })
}
const out = resolve(root, values.out)
rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })

const tarballs = []
let failed = false
for (const { dir, manifest } of packages) {
  const before = new Set(readdirSync(out))
  run('pnpm', ['pack', '--pack-destination', out], { cwd: dir })
  const [file] = readdirSync(out).filter((name) => !before.has(name))
  if (!file) throw new Error(`pnpm pack wrote no tarball for ${manifest.name}`)
  const tarball = join(out, file)
  const found = problems(tarball)
  for (const problem of found) console.error(`${manifest.name}: ${problem}`)
  failed ||= found.length > 0
  tarballs.push({ name: manifest.name, version: manifest.version, tarball })
  console.log(`packed ${manifest.name}@${manifest.version}: ${relative(root, tarball)}`)
}
if (failed) {
  console.error('release: the tarballs above failed their checks; nothing was published')
  process.exit(1)
}
if (values['pack-only']) process.exit(0)

for (const { name, version, tarball } of tarballs) {
  if (published(name, version)) {
    console.log(`skipped ${name}@${version}: already published`)
    continue
  }
  const dryRun = values['dry-run'] ? ['--dry-run'] : []
  run('npm', ['publish', tarball, '--access', 'public', ...registryArgs, ...dryRun], { stdio: 'inherit' })
  console.log(`published ${name}@${version}`)
}
