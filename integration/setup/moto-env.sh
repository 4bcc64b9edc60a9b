#!/usr/bin/env bash
# Provisions moto server, the AWS KMS emulator of the aws backend's `process` mode, in its own venv
# <repo root>/.cache/moto with exactly pinned packages (idempotent; see pinned-venv.sh).
# Env overrides: PME_PYTHON (interpreter, default python3), PME_MOTO_DIR (default <repo root>/.cache/moto).
# On success prints exactly one line.
set -euo pipefail
script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/../.." && pwd)"
source "$script_dir/pinned-venv.sh"

PINNED=("moto[server]==5.2.5")
venv_dir="${PME_MOTO_DIR:-$repo_root/.cache/moto}"
# The [server] extras and the moto_server script must be there too.
server_check='[ -x "$venv_dir/bin/moto_server" ] && "$venv_dir/bin/python" -c "import flask, flask_cors" >/dev/null 2>&1'
pinned_venv moto-env.sh "$venv_dir" "$server_check" "${PINNED[@]}"
echo "moto env ready: $venv_dir (${PINNED[*]})"
