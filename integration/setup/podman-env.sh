#!/usr/bin/env bash
# Podman as the container engine of the KMS suites' docker mode (there is no Docker engine here).
#
#   podman-env.sh start   install podman (Debian packages), write the engine configuration, start the
#                         Docker-compatible API service, build the emulator images (build-images.sh)
#   podman-env.sh stop    stop the API service started by `start` (by its PID)
#   podman-env.sh env     print the variables testcontainers and the suites need (for `eval`)
#
# Idempotent: packages already installed, a configuration already written, a service already running
# and images already built are left as they are. Everything it writes besides the engine
# configuration stays under <repo root>/.cache/podman (socket, PID, log) and .cache/images.
#
# The configuration is the one ../shared/docs/emulators.md found working on these machines: runc
# (crun fails on their hybrid cgroups), cgroupfs, and default ulimits no higher than the machine's
# (podman's default raises them: EPERM). An existing /etc/containers/containers.conf that this
# script did not write is kept, and the script fails, unless PME_PODMAN_WRITE_CONF=1.
#
# Env overrides: PME_PODMAN_DIR (socket/PID/log folder, default <repo root>/.cache/podman).
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/../.." && pwd)"
dir="${PME_PODMAN_DIR:-$repo_root/.cache/podman}"
socket="$dir/podman.sock"
pid_file="$dir/service.pid"
log_file="$dir/service.log"
conf=/etc/containers/containers.conf
conf_marker="# written by pme integration/setup/podman-env.sh"

fail() {
  echo "podman-env.sh: $*" >&2
  exit 1
}

install_packages() {
  local missing=()
  command -v podman >/dev/null 2>&1 || missing+=(podman)
  command -v runc >/dev/null 2>&1 || missing+=(runc)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || fail "needs root to install ${missing[*]} (apt-get)"
  echo "podman-env.sh: installing podman runc debootstrap (${missing[*]} missing)"
  mkdir -p "$dir"
  if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y podman runc debootstrap; } >"$dir/apt.log" 2>&1; then
    tail -n 30 "$dir/apt.log" >&2
    fail "apt-get install podman runc debootstrap failed (log: $dir/apt.log)"
  fi
}

write_config() {
  local wanted
  wanted="$conf_marker
[containers]
# podman's default raises the open-files and process limits above this machine's: EPERM
default_ulimits = [\"nofile=10000:10000\", \"nproc=1000:1000\"]
[engine]
# crun fails on this machine's hybrid cgroups
runtime = \"runc\"
cgroup_manager = \"cgroupfs\""
  if [ -f "$conf" ] && [ "$(cat "$conf")" = "$wanted" ]; then return 0; fi
  if [ -f "$conf" ] && ! head -n 1 "$conf" | grep -qxF "$conf_marker" && [ "${PME_PODMAN_WRITE_CONF:-}" != 1 ]; then
    fail "$conf exists and was not written by this script; set PME_PODMAN_WRITE_CONF=1 to replace it"
  fi
  mkdir -p "$(dirname "$conf")"
  printf '%s\n' "$wanted" >"$conf"
}

service_pid() {
  local pid
  pid="$(cat "$pid_file" 2>/dev/null || true)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -q "podman" "/proc/$pid/cmdline" 2>/dev/null && echo "$pid"
}

start_service() {
  mkdir -p "$dir"
  if [ -n "$(service_pid)" ]; then return 0; fi
  rm -f "$socket"
  nohup podman system service --time=0 "unix://$socket" >"$log_file" 2>&1 &
  local pid=$!
  echo "$pid" >"$pid_file"
  # Usually up in a second; a loaded machine or podman's first run (storage set-up) can take much longer.
  local deadline=$((SECONDS + 120))
  while [ "$SECONDS" -lt "$deadline" ]; do
    # The Docker API's ping, as testcontainers sends it (the podman client can wait on its own locks).
    if [ -S "$socket" ] && curl -sSf --max-time 10 --unix-socket "$socket" http://podman/_ping >/dev/null 2>"$dir/probe.log"; then
      return 0
    fi
    # Alive, by PID only: while nohup execs podman its /proc cmdline can read empty for a moment.
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  cat "$log_file" "$dir/probe.log" >&2
  ps -eo pid,etime,cmd | grep -E '[p]odman|[c]onmon' >&2 || true
  kill -0 "$pid" 2>/dev/null || fail "podman system service exited at start (log: $log_file)"
  fail "podman system service did not answer on $socket within 120 s (log: $log_file)"
}

stop_service() {
  local pid
  pid="$(service_pid || true)"
  if [ -n "$pid" ]; then
    kill "$pid"
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    echo "podman-env.sh: stopped the API service (pid $pid)"
  fi
  rm -f "$pid_file" "$socket"
}

print_env() {
  echo "export DOCKER_HOST=unix://$socket"
  echo "export TESTCONTAINERS_RYUK_DISABLED=true"
  echo "export TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1"
  cat "$repo_root/.cache/images/images.env"
}

case "${1:-start}" in
  start)
    install_packages
    write_config
    start_service
    bash "$script_dir/build-images.sh"
    echo "podman ready: API service pid $(service_pid) on unix://$socket"
    ;;
  stop) stop_service ;;
  env) print_env ;;
  *) fail "usage: podman-env.sh [start|stop|env]" ;;
esac
