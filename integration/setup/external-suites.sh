#!/usr/bin/env bash
# CI: the KMS contract and end-to-end suites in `external` mode, the code path of a user with a real
# account, through the same variables such a user sets: vault against an OpenBao dev server
# (PME_IT_VAULT_*), aws against LocalStack (PME_IT_AWS_*, the endpoint in PME_IT_AWS_ENDPOINT), gcp
# against this repo's FAKE Cloud KMS (PME_IT_GCP_*: a key ring made beforehand, bearer tokens) and ibm
# against its FAKE Key Protect (PME_IT_IBM_*: instance, IAM token URL, API keys), all started here on
# free loopback ports and stopped at the end. Needs a built workspace and
# Python 3.13 for LocalStack (setup/localstack-env.sh). Prints per backend what passed (Vitest JSON
# report, setup/kms-suite-counts.mjs) and exits non-zero on any failure or unexpected skip.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/../.." && pwd)"
out="$repo_root/.cache/external-suites"
mkdir -p "$out"
rm -f "$out"/*.json
work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

started=$SECONDS
bash "$script_dir/openbao-env.sh"
bash "$script_dir/localstack-env.sh"
localstack_python="${PME_LOCALSTACK_DIR:-$repo_root/.cache/localstack-2026.3.0}/bin/python"
bao="${PME_OPENBAO_DIR:-$repo_root/.cache/openbao}/bao"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# wait_for NAME LOG COMMAND: until COMMAND succeeds (60 s at most), else fail quoting LOG's end.
wait_for() {
  local name=$1 log=$2
  shift 2
  for _ in $(seq 1 120); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  echo "external-suites.sh: $name did not get ready; the end of its output:" >&2
  tail -n 40 "$log" >&2
  exit 1
}

vault_port="$(free_port)"
vault_addr="http://127.0.0.1:$vault_port"
vault_token="root-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')"
(cd "$work" && exec "$bao" server -dev -dev-root-token-id="$vault_token" -dev-listen-address="127.0.0.1:$vault_port" \
  >"$work/openbao.log" 2>&1) &
pids+=($!)
wait_for OpenBao "$work/openbao.log" curl -sf "$vault_addr/v1/sys/health"
# What the README asks of a user's Vault: a transit mount that refuses key upserts.
vault_post() { curl -sf -H "X-Vault-Token: $vault_token" -X POST -d "$2" "$vault_addr/v1/$1" >/dev/null; }
vault_post sys/mounts/transit '{"type":"transit"}'
vault_post transit/config/keys '{"disable_upsert":true}'

localstack_port="$(free_port)"
localstack_url="http://127.0.0.1:$localstack_port"
(cd "$work" && GATEWAY_LISTEN="127.0.0.1:$localstack_port" SERVICES=kms EAGER_SERVICE_LOADING=1 \
  SKIP_SSL_CERT_DOWNLOAD=1 DISABLE_EVENTS=1 OVERRIDE_IN_DOCKER=0 FILESYSTEM_ROOT="$work/localstack" TMPDIR="$work" \
  exec "$localstack_python" -m localstack.runtime.main >"$work/localstack.log" 2>&1) &
pids+=($!)
kms_running() { curl -sf "$localstack_url/_localstack/health" | grep -q '"kms": "running"'; }
wait_for LocalStack "$work/localstack.log" kms_running
gcp_port="$(free_port)"
gcp_endpoint="http://127.0.0.1:$gcp_port"
gcp_user_token="pme-it-user-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')"
gcp_denied_token="pme-it-denied-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')"
gcp_user='serviceAccount:pme-it-user@pme-it.iam.gserviceaccount.com'
gcp_principals="{\"$gcp_user_token\":\"$gcp_user\",\"$gcp_denied_token\":\"serviceAccount:pme-it-denied@pme-it.iam.gserviceaccount.com\"}"
(cd "$work" && PME_FAKE_GCP_PRINCIPALS="$gcp_principals" exec node "$repo_root/integration/kms/gcp/fake-kms-server.mjs" \
  --grpc-listen-addr "127.0.0.1:$gcp_port" >"$work/gcp-fake.log" 2>&1) &
pids+=($!)
wait_for "the Cloud KMS fake" "$work/gcp-fake.log" grep -q 'listening on' "$work/gcp-fake.log"
gcp_key_ring="$(cd "$repo_root/integration" && node setup/gcp-fake-key-ring.mjs "$gcp_endpoint" "$gcp_user")"
# The Key Protect fake's entry point, compiled as build-images.sh compiles it for its image.
ibm_port="$(free_port)"
ibm_url="http://127.0.0.1:$ibm_port"
ibm_instance="$(python3 -c 'import uuid; print(uuid.uuid4())')"
ibm_user_key="$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')"
ibm_denied_key="$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')"
kms_src="$repo_root/integration/kms"
"$repo_root/node_modules/.bin/tsc" --outDir "$work/ibm-fake" --rootDir "$kms_src" --module nodenext \
  --moduleResolution nodenext --target es2022 --types node --strict --skipLibCheck \
  "$kms_src/fake-main.ts" "$kms_src/ports.ts" "$kms_src/ibm/fake-key-protect.ts" "$kms_src/ibm/fake-key-protect-main.ts"
printf '{ "private": true, "type": "module" }\n' >"$work/ibm-fake/package.json"
ibm_keys="{\"$ibm_user_key\":{\"role\":\"Writer\"},\"$ibm_denied_key\":{\"role\":\"Reader\",\"keys\":[\"00000000-0000-4000-8000-000000000000\"]}}"
(cd "$work" && PME_FAKE_KP_PORT="$ibm_port" PME_FAKE_KP_INSTANCE_ID="$ibm_instance" PME_FAKE_KP_API_KEYS="$ibm_keys" \
  exec node "$work/ibm-fake/ibm/fake-key-protect-main.js" >"$work/ibm-fake.log" 2>&1) &
pids+=($!)
wait_for "the Key Protect fake" "$work/ibm-fake.log" grep -q 'listening on' "$work/ibm-fake.log"
echo "external-suites.sh: OpenBao at $vault_addr, LocalStack at $localstack_url, Cloud KMS fake at $gcp_endpoint," \
  "Key Protect fake at $ibm_url, ready in $((SECONDS - started)) s"

status=0
begun=$SECONDS
(
  cd "$repo_root/integration" &&
    PME_IT_MODE=external PME_IT_BACKENDS=vault,aws,gcp,ibm \
      PME_IT_VAULT_ADDR="$vault_addr" PME_IT_VAULT_TOKEN="$vault_token" \
      PME_IT_AWS_REGION=us-east-1 PME_IT_AWS_ENDPOINT="$localstack_url" \
      PME_IT_AWS_ACCESS_KEY_ID=test PME_IT_AWS_SECRET_ACCESS_KEY=test \
      PME_IT_AWS_CANNOT_DENY='LocalStack community edition enforces no IAM' \
      PME_IT_GCP_KEY_RING="$gcp_key_ring" PME_IT_GCP_ENDPOINT="$gcp_endpoint" \
      PME_IT_GCP_ACCESS_TOKEN="$gcp_user_token" PME_IT_GCP_DENIED_ACCESS_TOKEN="$gcp_denied_token" \
      PME_IT_IBM_INSTANCE_URL="$ibm_url" PME_IT_IBM_INSTANCE_ID="$ibm_instance" \
      PME_IT_IBM_IAM_URL="$ibm_url/identity/token" PME_IT_IBM_API_KEY="$ibm_user_key" \
      PME_IT_IBM_DENIED_API_KEY="$ibm_denied_key" \
      pnpm exec vitest run kms/contract.test.ts kms/e2e.test.ts \
      --reporter=default --reporter=json --outputFile.json="$out/external.json"
) 2>&1 | tee "$out/external.log" || status=1
echo "external-suites.sh: external mode took $((SECONDS - begun)) s"
PME_IT_BACKENDS=vault,aws,gcp,ibm node "$script_dir/kms-suite-counts.mjs" "$out/external.json" || status=1
echo "external-suites.sh: done in $((SECONDS - started)) s"
exit "$status"
