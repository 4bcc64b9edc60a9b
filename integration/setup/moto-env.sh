#!/usr/bin/env bash
# Idempotently provision moto server (the AWS KMS emulator of the aws backend's `process` mode).
#
# Creates <repo root>/.cache/moto with `python3 -m venv` and installs the exactly pinned packages
# below. A stamp file inside the venv records the pinned set; when it matches and the venv still
# has the pinned versions, nothing is reinstalled.
#
# Env overrides: PME_PYTHON (interpreter used to create the venv, default python3),
#                PME_MOTO_DIR (venv location, default <repo root>/.cache/moto).
# On success prints exactly one line; on failure prints the reason on stderr and exits non-zero.
set -euo pipefail

PINNED=("moto[server]==5.2.5")

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/../.." && pwd)"
venv_dir="${PME_MOTO_DIR:-$repo_root/.cache/moto}"
python_cmd="${PME_PYTHON:-python3}"
venv_python="$venv_dir/bin/python"
server_bin="$venv_dir/bin/moto_server"
stamp_file="$venv_dir/.pme-moto-stamp"
stamp_value="${PINNED[*]}"

fail() {
  echo "moto-env.sh: $*" >&2
  exit 1
}

# True when the venv runs, has moto at the pinned version, the server extras and the moto_server script.
pinned_present() {
  [ -x "$venv_python" ] && [ -x "$server_bin" ] || return 1
  "$venv_python" - "${PINNED[@]}" <<'PY' >/dev/null 2>&1
import re
import sys
from importlib.metadata import PackageNotFoundError, version
for spec in sys.argv[1:]:
    name, wanted = spec.split('==', 1)
    name = re.sub(r'\[.*\]', '', name)
    try:
        if version(name) != wanted:
            sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
import flask, flask_cors  # the [server] extras
PY
}

ready() {
  echo "moto env ready: $venv_dir ($stamp_value)"
  exit 0
}

if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp_value" ] && pinned_present; then
  ready
fi

command -v "$python_cmd" >/dev/null 2>&1 ||
  fail "'$python_cmd' not found on PATH; the aws KMS backend (moto server) needs Python 3 (3.9+) with the venv module"

"$python_cmd" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' ||
  fail "'$python_cmd' is $("$python_cmd" --version 2>&1); Python 3.9 or newer is required"

if ! { [ -x "$venv_python" ] && "$venv_python" -c 'import sys' >/dev/null 2>&1; }; then
  mkdir -p "$(dirname "$venv_dir")"
  log="$(mktemp)"
  if ! "$python_cmd" -m venv --clear "$venv_dir" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    fail "'$python_cmd -m venv $venv_dir' failed (on Debian/Ubuntu install the python3-venv package)"
  fi
  rm -f "$log"
fi

rm -f "$stamp_file"
log="$(mktemp)"
if ! "$venv_python" -m pip install --disable-pip-version-check --no-input --quiet "${PINNED[@]}" >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  fail "pip install ${PINNED[*]} into $venv_dir failed"
fi
rm -f "$log"

pinned_present || fail "installed ${PINNED[*]} but $venv_dir does not have them (or moto_server is missing)"
printf '%s\n' "$stamp_value" >"$stamp_file"
ready
