#!/usr/bin/env bash
# Installs Debian's headless-capable Chromium for the kms-server browser check (Swagger UI at /docs),
# idempotently: nothing is done when /usr/bin/chromium already runs. The test drives it with
# playwright-core (no browser download), at PME_CHROMIUM or /usr/bin/chromium.
# Needs root (or sudo) and Debian's package archive. On success prints exactly one line.
set -euo pipefail

chromium="${PME_CHROMIUM:-/usr/bin/chromium}"

runs() { [ -x "$chromium" ] && "$chromium" --headless --no-sandbox --version >/dev/null 2>&1; }

if ! runs; then
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "chromium-env.sh: need root or sudo to apt-get install chromium" >&2; exit 1; }
    sudo_cmd=(sudo)
  fi
  log="$(mktemp)"
  if ! { "${sudo_cmd[@]}" apt-get update -q && DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends chromium fonts-liberation; } >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    rm -f "$log"
    echo "chromium-env.sh: apt-get install chromium failed" >&2
    exit 1
  fi
  rm -f "$log"
  runs || { echo "chromium-env.sh: $chromium was installed but does not run" >&2; exit 1; }
fi
echo "chromium ready: $chromium ($("$chromium" --headless --no-sandbox --version 2>/dev/null | head -n 1))"
