#!/usr/bin/env bash
# The packages as a user gets them: starts a throwaway Verdaccio (6.8.0; 6.10 needs Node 22) on
# 127.0.0.1 with its storage in a temporary folder, publishes every package to it with the release
# script, then, in scratch projects outside the workspace (one installed with npm, one with pnpm, each
# pointed at the local registry for @pme/* only), installs @pme/cli with two adapters and checks:
# no package in the tree has an install-time script, one @pme/core is installed, the root README's
# CLI and TypeScript examples run as written, TypeScript type-checks them with node16 and bundler
# resolution, a CommonJS script require()s core and an adapter, the CLI loads installed adapters and
# names missing ones, `pme kms serve` serves Swagger UI, and (npm -g, where the CLI and an adapter get
# a @pme/core each) the CLI still reports the adapter's typed errors. Needs `pnpm build` first. Skips,
# saying so, when PME_IT_ONCE=skip.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
here=$root/integration/setup/registry-install

if [ "${PME_IT_ONCE:-}" = skip ]; then
  echo "[skip] registry install test: it runs once per CI run (PME_IT_ONCE=skip)"
  exit 0
fi
if [ ! -f packages/core/dist/index.js ]; then
  echo "registry install test: packages are not built; run pnpm build first" >&2
  exit 1
fi

VERDACCIO_VERSION=6.8.0
verdaccio_dir=$root/.cache/verdaccio-$VERDACCIO_VERSION
if [ ! -x "$verdaccio_dir/node_modules/.bin/verdaccio" ]; then
  echo "installing verdaccio $VERDACCIO_VERSION into $verdaccio_dir"
  # CI tooling, not a package under test: it runs without its dependencies' install scripts.
  npm install --prefix "$verdaccio_dir" --no-save --no-fund --no-audit --ignore-scripts "verdaccio@$VERDACCIO_VERSION" >/dev/null
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/pme-registry.XXXXXX")
verdaccio_pid=
cleanup() {
  if [ -n "$verdaccio_pid" ]; then kill "$verdaccio_pid" 2>/dev/null || true; wait "$verdaccio_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  node -e "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close() })"
}
port=$(free_port)
registry=http://127.0.0.1:$port/
cat >"$work/verdaccio.yaml" <<EOF
storage: $work/storage
auth:
  htpasswd:
    file: $work/htpasswd
    max_users: -1
uplinks: {}
packages:
  '@pme/*':
    access: \$all
    publish: \$all
log: { type: stdout, format: pretty, level: warn }
EOF
"$verdaccio_dir/node_modules/.bin/verdaccio" --config "$work/verdaccio.yaml" --listen "127.0.0.1:$port" >"$work/verdaccio.log" 2>&1 &
verdaccio_pid=$!
for _ in $(seq 1 60); do
  curl -sf "${registry}-/ping" >/dev/null && break
  kill -0 "$verdaccio_pid" 2>/dev/null || { cat "$work/verdaccio.log" >&2; echo "verdaccio exited" >&2; exit 1; }
  sleep 0.5
done
curl -sf "${registry}-/ping" >/dev/null || { cat "$work/verdaccio.log" >&2; echo "verdaccio did not start" >&2; exit 1; }
echo "verdaccio $VERDACCIO_VERSION on $registry"

node scripts/release.mjs --no-build --registry "$registry" --anonymous --out "$work/tarballs" >"$work/release.log" 2>&1 ||
  { cat "$work/release.log" >&2; echo "release script failed" >&2; exit 1; }
grep -E '^(packed|published|skipped) ' "$work/release.log"

# The detector must see install scripts where they are: the workspace has esbuild's postinstall.
node "$here/installed-packages.mjs" "$root" | grep -q '"esbuild@[^"]*: postinstall' ||
  { echo "installed-packages.mjs does not find esbuild's postinstall in the workspace: the check is broken" >&2; exit 1; }

typescript=$(node -p "require('./package.json').devDependencies.typescript")
types_node=$(node -p "require('./package.json').devDependencies['@types/node']")
version=$(node -p "require('./packages/cli/package.json').version")
# The CLI with two adapters; core and kms-local because the README's TypeScript example imports them.
packages=(@pme/cli @pme/kms-aws @pme/kms-ibm @pme/core @pme/kms-local "typescript@$typescript" "@types/node@$types_node")

check_project() {
  local pm=$1
  local app=$work/$pm-app
  echo
  echo "=== $pm: a scratch project installs ${packages[*]}"
  mkdir -p "$app"
  printf '{ "name": "scratch-%s", "private": true, "type": "module" }\n' "$pm" >"$app/package.json"
  printf '@pme:registry=%s\n' "$registry" >"$app/.npmrc"
  cd "$app"
  if [ "$pm" = npm ]; then
    npm install --no-fund --no-audit "${packages[@]}"
  else
    pnpm add --reporter=append-only "${packages[@]}"
  fi

  local report
  report=$(node "$here/installed-packages.mjs" "$app")
  node -e '
    const { packages, installScripts, copies } = JSON.parse(process.argv[1])
    console.log(`${packages} packages installed; @pme/core copies: ${copies["@pme/core"] ?? 0}`)
    if (installScripts.length > 0) throw new Error(`install-time scripts in the tree:\n  ${installScripts.join("\n  ")}`)
    if (copies["@pme/core"] !== 1) throw new Error(`expected one @pme/core, found ${copies["@pme/core"] ?? 0}`)
    console.log("no package in the tree has an install-time script")
  ' "$report"

  [ "$(pnpm exec pme --version)" = "$version" ] && [ "$(pnpm exec pme -v)" = "$version" ] ||
    { echo "pme --version does not print $version" >&2; exit 1; }

  echo "--- the README's CLI example"
  cp "$here/people.mjs" people.mjs
  node people.mjs
  node "$here/readme-examples.mjs" "$root/README.md" "$app"
  bash -euo pipefail example.sh
  [ "$(pnpm exec pme cat people.plain.parquet --format csv)" = "$(pnpm exec pme cat people.parquet --format csv)" ] ||
    { echo "people.plain.parquet does not hold people.parquet's rows" >&2; exit 1; }

  echo "--- the README's TypeScript example: tsc --noEmit (node16, bundler), then run"
  local tsc=(node_modules/.bin/tsc --strict --target es2022 --types node --skipLibCheck false)
  "${tsc[@]}" --noEmit --module node16 --moduleResolution node16 example.ts
  "${tsc[@]}" --noEmit --module esnext --moduleResolution bundler example.ts
  printf '\nconsole.log(JSON.stringify(rows))\n' >>example.ts
  "${tsc[@]}" --module node16 --moduleResolution node16 --outDir out example.ts
  local rows expected='[{"id":1,"name":"Ada"},{"id":2,"name":"Grace"},{"id":3,"name":"Alan"}]' # people.mjs's id and name
  rows=$(eval "$(grep '^export PME_KEY_LIST=' example.sh)" && node out/example.js)
  [ "$rows" = "$expected" ] || { echo "the TypeScript example read $rows, expected $expected" >&2; exit 1; }
  echo "read $rows"

  echo "--- CommonJS"
  cp "$here/require-check.cjs" require-check.cjs
  node require-check.cjs
  cp "$here/commonjs-types.cts" commonjs-types.cts
  "${tsc[@]}" --noEmit --module nodenext --moduleResolution nodenext commonjs-types.cts
  echo "tsc: a .cts file importing core and kms-aws type-checks (module nodenext)"

  echo "--- the CLI loads an installed adapter and names a missing one"
  local out status
  set +e
  out=$(pnpm exec pme cat people.enc.parquet --kms ibm --kms-instance-url ftp://x 2>&1)
  status=$?
  set -e
  [ "$status" = 2 ] && [[ "$out" == *"UsageError: the ibm KMS instance URL must be http(s)"* ]] ||
    { echo "pme with --kms ibm: exit $status, $out" >&2; exit 1; }
  set +e
  out=$(pnpm exec pme cat people.enc.parquet --kms vault 2>&1)
  status=$?
  set -e
  [ "$status" = 2 ] && [[ "$out" == *'KMS "vault" is not installed: install @pme/kms-vault'* ]] ||
    { echo "pme with --kms vault (not installed): exit $status, $out" >&2; exit 1; }

  if [ "$pm" = npm ]; then
    # npm -g gives each global package its own tree: the CLI and the adapter each get a @pme/core, and
    # the CLI must still recognise the adapter's typed error (PmeError.is, not instanceof).
    echo "--- npm install -g: the CLI and an adapter with a @pme/core each"
    npm install -g --prefix "$work/global" --no-fund --no-audit "--@pme:registry=$registry" @pme/cli @pme/kms-ibm
    local cores
    cores=$(node "$here/installed-packages.mjs" "$work/global/lib" | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).copies["@pme/core"]')
    [ "$cores" = 2 ] || { echo "expected two copies of @pme/core in the global install, found $cores" >&2; exit 1; }
    set +e
    out=$("$work/global/bin/pme" cat people.enc.parquet --kms ibm --kms-instance-url ftp://x 2>&1)
    status=$?
    set -e
    [ "$status" = 2 ] && [[ "$out" == *"UsageError: the ibm KMS instance URL must be http(s)"* ]] ||
      { echo "global pme with --kms ibm: exit $status, $out" >&2; exit 1; }
    echo "two copies of @pme/core; the CLI reports the adapter's typed error: $out"
  fi

  echo "--- pme kms serve serves Swagger UI from the installed @pme/kms-server"
  local kms_port serve_pid docs
  kms_port=$(free_port)
  timeout 120 node_modules/.bin/pme kms serve --port "$kms_port" --open --key-list "kf: $(head -c 16 /dev/urandom | base64)" \
    >"$work/kms-serve-$pm.log" 2>&1 &
  serve_pid=$!
  for _ in $(seq 1 60); do
    curl -sf "http://127.0.0.1:$kms_port/healthz" >/dev/null && break
    sleep 0.5
  done
  docs=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "http://127.0.0.1:$kms_port/docs/swagger-ui-bundle.js" || true)
  kill "$serve_pid" 2>/dev/null || true
  wait "$serve_pid" 2>/dev/null || true
  [[ "$docs" == "200 "* ]] && [ "${docs#200 }" -gt 1000000 ] ||
    { cat "$work/kms-serve-$pm.log" >&2; echo "GET /docs/swagger-ui-bundle.js: $docs" >&2; exit 1; }
  echo "GET /docs/swagger-ui-bundle.js: ${docs#200 } bytes"
  echo "ok: $pm"
  cd "$root"
}

check_project npm
check_project pnpm
echo
echo "registry install test: passed (npm and pnpm)"
