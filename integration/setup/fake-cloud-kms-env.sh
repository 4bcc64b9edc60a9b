#!/usr/bin/env bash
# Idempotently install winor30/fake-cloud-kms (Cloud KMS gRPC emulator, Go) for the GCP KMS suites
# when PME_IT_GCP_EMULATOR=fake-cloud-kms (process mode). The default, PME_IT_GCP_EMULATOR=pme-fake,
# needs no install (the harness's own fake, integration/kms/gcp/fake-kms-server.mjs).
#
# Everything Go writes stays under <repo root>/.cache/fake-cloud-kms (git-ignored): GOBIN, GOPATH,
# GOMODCACHE and GOCACHE. Needs Go >= 1.25 on PATH and the Go module proxy.
#
# Env overrides: PME_FAKE_CLOUD_KMS_DIR (install location), PME_FAKE_CLOUD_KMS_VERSION (module
# version; default below), PME_GO (the go command).
# On success prints exactly one line; on failure prints the reason on stderr and exits non-zero.
set -euo pipefail

MODULE="github.com/winor30/fake-cloud-kms"
# No tagged release exists; a pinned pseudo-version could not be resolved here (the module proxy
# this project's machines use answers 403 for this module), so this stays at the documented
# `main` until someone with proxy access pins it: `go list -m $MODULE@main` prints the pseudo-version.
VERSION="${PME_FAKE_CLOUD_KMS_VERSION:-main}"

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/../.." && pwd)"
dir="${PME_FAKE_CLOUD_KMS_DIR:-$repo_root/.cache/fake-cloud-kms}"
go_cmd="${PME_GO:-go}"
binary="$dir/bin/fake-cloud-kms"
stamp_file="$dir/.pme-fake-cloud-kms-stamp"
pinned="$MODULE/cmd/fake-cloud-kms@$VERSION"

fail() {
  echo "fake-cloud-kms-env.sh: $*" >&2
  exit 1
}

ready() {
  echo "fake-cloud-kms ready: $binary ($pinned)"
  exit 0
}

# A moving version (main, latest) is reinstalled on every run; a pinned one only once.
if [[ "$VERSION" == v* ]] && [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$pinned" ] && [ -x "$binary" ]; then
  ready
fi

command -v "$go_cmd" >/dev/null 2>&1 || fail "'$go_cmd' not found on PATH; installing fake-cloud-kms needs Go >= 1.25"
go_version="$("$go_cmd" env GOVERSION 2>/dev/null || true)"
case "$go_version" in
  go1.2[5-9]* | go1.[3-9][0-9]* | go[2-9]*) ;;
  *) fail "fake-cloud-kms needs Go >= 1.25 (found '${go_version:-unknown}')" ;;
esac

mkdir -p "$dir"
rm -f "$stamp_file"
log="$(mktemp)"
if ! GOBIN="$dir/bin" GOPATH="$dir/gopath" GOMODCACHE="$dir/gopath/pkg/mod" GOCACHE="$dir/gocache" GOFLAGS=-modcacherw \
  "$go_cmd" install "$pinned" >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  fail "go install $pinned failed"
fi
rm -f "$log"
[ -x "$binary" ] || fail "go install $pinned produced no $binary"
printf '%s\n' "$pinned" >"$stamp_file"
ready
