#!/usr/bin/env bash
# CI: the KMS contract and end-to-end suites for every backend, in `process` mode and in `docker`
# mode (testcontainers on podman, with the images build-images.sh makes). Needs root (apt-get) and a
# built workspace (pnpm build). Prints per backend and mode what passed, checks that no container is
# left (`podman ps -a` empty), stops the podman API service by its PID, and exits non-zero on any
# failure, skipped test or leftover container.
#
# Env: PME_IT_BACKENDS (default: all registered), as for the suites.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/../.." && pwd)"
out="$repo_root/.cache/docker-suites"
mkdir -p "$out"
rm -f "$out"/*.json

started=$SECONDS
trap 'bash "$script_dir/podman-env.sh" stop' EXIT
bash "$script_dir/podman-env.sh" start
echo "docker-suites.sh: podman and images ready in $((SECONDS - started)) s"
eval "$(bash "$script_dir/podman-env.sh" env)"

# Runs the two suites in `mode`; the JSON report feeds the counts, the exit code is kept for the end.
status=0
run_suites() {
  local mode=$1 begun=$SECONDS
  echo "docker-suites.sh: KMS contract and end-to-end suites, PME_IT_MODE=$mode"
  (cd "$repo_root/integration" && PME_IT_MODE=$mode pnpm exec vitest run kms/contract.test.ts kms/e2e.test.ts \
    --reporter=default --reporter=json --outputFile.json="$out/$mode.json") 2>&1 | tee "$out/$mode.log" || status=1
  echo "docker-suites.sh: $mode mode took $((SECONDS - begun)) s"
}
run_suites process
run_suites docker

node "$script_dir/kms-suite-counts.mjs" "$out"/process.json "$out"/docker.json || status=1

leftovers="$(podman ps -a --format '{{.ID}} {{.Image}} {{.Status}}')"
if [ -n "$leftovers" ]; then
  echo "docker-suites.sh: containers left after the suites:"
  echo "$leftovers"
  # shellcheck disable=SC2046
  podman rm -f $(echo "$leftovers" | cut -d' ' -f1) >/dev/null
  status=1
else
  echo "docker-suites.sh: podman ps -a is empty (no container left)"
fi
echo "docker-suites.sh: done in $((SECONDS - started)) s"
exit "$status"
