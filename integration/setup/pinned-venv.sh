# Sourced by the *-env.sh scripts: one way to provision a Python venv with exactly pinned packages.
#
# pinned_venv LABEL VENV_DIR EXTRA_CHECK PIN...
#   Creates VENV_DIR with $PME_PYTHON (default python3) when it is missing or broken, installs the
#   pins, and records them in a stamp file. When the stamp matches and the venv has the pinned
#   versions (a venv made by hand that has them is adopted), nothing is installed. EXTRA_CHECK is a
#   shell command that must also succeed (e.g. that a console script exists); ':' for none.
#   Exits non-zero with the reason on stderr when it cannot.

pinned_venv_fail() {
  echo "$1: $2" >&2
  exit 1
}

# True when the venv runs and every pin is installed at its version (extras like [server] ignored).
pinned_venv_present() {
  local python=$1
  shift
  [ -x "$python" ] || return 1
  "$python" - "$@" <<'PY' >/dev/null 2>&1
import re
import sys
from importlib.metadata import PackageNotFoundError, version
for spec in sys.argv[1:]:
    name, wanted = spec.split('==', 1)
    try:
        if version(re.sub(r'\[.*\]', '', name)) != wanted:
            sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
PY
}

pinned_venv() {
  local label=$1 venv_dir=$2 extra_check=$3
  shift 3
  local python="$venv_dir/bin/python" stamp="$venv_dir/.pme-stamp" pins="$*" python_cmd="${PME_PYTHON:-python3}" log
  if pinned_venv_present "$python" "$@" && eval "$extra_check"; then
    [ "$(cat "$stamp" 2>/dev/null)" = "$pins" ] || printf '%s\n' "$pins" >"$stamp"
    return 0
  fi
  command -v "$python_cmd" >/dev/null 2>&1 ||
    pinned_venv_fail "$label" "'$python_cmd' not found on PATH: Python 3.9+ with the venv module is needed"
  "$python_cmd" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' ||
    pinned_venv_fail "$label" "'$python_cmd' is $("$python_cmd" --version 2>&1); Python 3.9 or newer is needed"
  log="$(mktemp)"
  if ! { [ -x "$python" ] && "$python" -c 'import sys' >/dev/null 2>&1; }; then
    mkdir -p "$(dirname "$venv_dir")"
    if ! "$python_cmd" -m venv --clear "$venv_dir" >"$log" 2>&1; then
      cat "$log" >&2
      rm -f "$log"
      pinned_venv_fail "$label" "'$python_cmd -m venv $venv_dir' failed (on Debian/Ubuntu install python3-venv)"
    fi
  fi
  rm -f "$stamp"
  if ! "$python" -m pip install --disable-pip-version-check --no-input --quiet "$@" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    pinned_venv_fail "$label" "pip install $pins into $venv_dir failed"
  fi
  rm -f "$log"
  pinned_venv_present "$python" "$@" && eval "$extra_check" ||
    pinned_venv_fail "$label" "installed $pins, but $venv_dir does not have them"
  printf '%s\n' "$pins" >"$stamp"
}
