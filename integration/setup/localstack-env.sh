#!/usr/bin/env bash
# Provisions LocalStack (localstack-core, KMS in host mode, no Docker), the AWS KMS emulator of the
# localstack backend's `process` mode, in its own venv <repo root>/.cache/localstack-2026.3.0 with
# exactly pinned packages (idempotent; see pinned-venv.sh).
#
# localstack-core 2026.3.0 needs Python 3.13 (3.11 fails on import with a SyntaxError). The
# interpreter is PME_LOCALSTACK_PYTHON, else pyenv's newest 3.13.x (`pyenv root`/versions/3.13.*),
# else python3.13 on PATH; without one this fails, saying how to get one. The [base-runtime] extra
# is what its server needs (rolo, hypercorn, boto3...); the other pins keep LocalStack's
# dependencies at versions that work together (newer cbor2, pyOpenSSL and cryptography break its start).
# Env overrides: PME_LOCALSTACK_PYTHON, PME_LOCALSTACK_DIR (default <repo root>/.cache/localstack-2026.3.0).
# On success prints exactly one line.
#   localstack-env.sh --pins     prints the pins (build-images.sh installs the same in its image)
#   localstack-env.sh --python   prints the Python 3.13 it uses (the image copies it)
set -euo pipefail
script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/../.." && pwd)"
source "$script_dir/pinned-venv.sh"

PINNED=(
  "localstack-core[base-runtime]==2026.3.0"
  "cbor2==5.9.0"
  "pyOpenSSL==24.3.0"
  "cryptography==44.0.3"
  "service-identity==24.2.0"
)
venv_dir="${PME_LOCALSTACK_DIR:-$repo_root/.cache/localstack-2026.3.0}"

python313() {
  if [ -n "${PME_LOCALSTACK_PYTHON:-}" ]; then
    echo "$PME_LOCALSTACK_PYTHON"
    return
  fi
  if command -v pyenv >/dev/null 2>&1; then
    local found
    found="$(ls -d "$(pyenv root)"/versions/3.13.* 2>/dev/null | sort -V | tail -n 1)"
    if [ -n "$found" ] && [ -x "$found/bin/python3" ]; then
      echo "$found/bin/python3"
      return
    fi
  fi
  command -v python3.13 || true
}

python="$(python313)"
if [ -z "$python" ] || ! "$python" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 13) else 1)' 2>/dev/null; then
  pinned_venv_fail localstack-env.sh "no Python 3.13 found (localstack-core 2026.3.0 needs it; tried PME_LOCALSTACK_PYTHON, \
pyenv's versions/3.13.*, python3.13 on PATH${python:+; $python is not 3.13}). Get one with 'pyenv install 3.13' or \
'apt-get install python3.13 python3.13-venv' (Debian 13 / Ubuntu 24.04), or point PME_LOCALSTACK_PYTHON at it"
fi
if [ "${1:-}" = --pins ]; then
  echo "${PINNED[*]}"
  exit 0
fi
if [ "${1:-}" = --python ]; then
  echo "$python"
  exit 0
fi
server_check='"$venv_dir/bin/python" -c "import localstack.runtime.main" >/dev/null 2>&1'
PME_PYTHON="$python" pinned_venv localstack-env.sh "$venv_dir" "$server_check" "${PINNED[@]}"
echo "localstack env ready: $venv_dir (${PINNED[*]}; $("$venv_dir/bin/python" --version))"
