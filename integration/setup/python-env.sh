#!/usr/bin/env bash
# Provisions the Python environment of the pyarrow interop suites: <repo root>/.cache/venv with
# exactly pinned packages (idempotent; see pinned-venv.sh).
# Env overrides: PME_PYTHON (interpreter, default python3), PME_VENV_DIR (default <repo root>/.cache/venv).
# On success prints exactly one line.
set -euo pipefail
script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/../.." && pwd)"
source "$script_dir/pinned-venv.sh"

PINNED=("pyarrow==25.0.1" "cryptography==46.0.3")
venv_dir="${PME_VENV_DIR:-$repo_root/.cache/venv}"
pinned_venv python-env.sh "$venv_dir" : "${PINNED[@]}"
echo "python env ready: $venv_dir (${PINNED[*]})"
