#!/usr/bin/env bash
# Idempotently provision lowkey-vault (the Azure Key Vault emulator of the azure backend's `process` mode).
#
# Fetches com.github.nagyesta.lowkey-vault:lowkey-vault-app:<version> with Maven (local repository
# under <repo root>/.cache/maven-repo) into <repo root>/.cache/lowkey-vault, then exports the
# emulator's self-signed TLS certificate (from the keystore inside the jar) as PEM next to it, for
# NODE_EXTRA_CA_CERTS. A stamp file records the version; when it matches, nothing is fetched.
#
# NOTE: as of this writing the lowkey-vault-app jar is published to GitHub Packages only, not to
# Maven Central (its Central group has lowkey-vault-client/-testcontainers, not -app). Where Maven
# cannot resolve it, set PME_LOWKEY_VAULT_JAR to a lowkey-vault-app-<version>.jar obtained otherwise.
#
# Env overrides: PME_LOWKEY_VAULT_DIR (install folder), PME_LOWKEY_VAULT_JAR (use this jar, no fetch).
# On success prints exactly one line; on failure prints the reason on stderr and exits non-zero.
set -euo pipefail

VERSION="3.4.33"
ARTIFACT="com.github.nagyesta.lowkey-vault:lowkey-vault-app:$VERSION"

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/../.." && pwd)"
dir="${PME_LOWKEY_VAULT_DIR:-$repo_root/.cache/lowkey-vault}"
jar="$dir/lowkey-vault-app-$VERSION.jar"
pem="$dir/lowkey-vault-cert.pem"
stamp_file="$dir/.pme-lowkey-vault-stamp"

fail() {
  echo "lowkey-vault-env.sh: $*" >&2
  exit 1
}

ready() {
  echo "lowkey-vault ready: $jar ($ARTIFACT, certificate $pem)"
  exit 0
}

if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$ARTIFACT" ] && [ -s "$jar" ] && [ -s "$pem" ]; then
  ready
fi

command -v java >/dev/null 2>&1 || fail "java not found on PATH; lowkey-vault $VERSION needs Java 17 or newer"
command -v keytool >/dev/null 2>&1 || fail "keytool not found on PATH (it comes with the JDK)"
mkdir -p "$dir"
rm -f "$stamp_file"

if [ -n "${PME_LOWKEY_VAULT_JAR:-}" ]; then
  [ -s "$PME_LOWKEY_VAULT_JAR" ] || fail "PME_LOWKEY_VAULT_JAR=$PME_LOWKEY_VAULT_JAR is not a file"
  cp "$PME_LOWKEY_VAULT_JAR" "$jar"
elif [ ! -s "$jar" ]; then
  command -v mvn >/dev/null 2>&1 || fail "mvn not found on PATH; it fetches $ARTIFACT"
  log="$(mktemp)"
  if ! mvn -B -q dependency:copy "-Dartifact=$ARTIFACT" "-DoutputDirectory=$dir" \
    "-Dmaven.repo.local=$repo_root/.cache/maven-repo" >"$log" 2>&1; then
    grep -m 3 -E 'ERROR.*(Could not find|Unable to find|Failed)' "$log" >&2 || tail -n 5 "$log" >&2
    rm -f "$log"
    fail "mvn could not fetch $ARTIFACT (not on Maven Central: it is published to GitHub Packages only); set PME_LOWKEY_VAULT_JAR to the jar"
  fi
  rm -f "$log"
fi
[ -s "$jar" ] || fail "no $jar after the fetch"

# The emulator's TLS keystore ships inside the Spring Boot jar.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
store=""
for entry in BOOT-INF/classes/cert/keystore.p12 BOOT-INF/classes/cert/keystore.jks; do
  if unzip -p "$jar" "$entry" >"$work/store" 2>/dev/null && [ -s "$work/store" ]; then
    store="$work/store"
    break
  fi
done
[ -n "$store" ] || fail "$jar has no cert/keystore.p12 or keystore.jks"
exported=""
for pass in changeit password; do
  alias_name="$(keytool -list -keystore "$store" -storepass "$pass" 2>/dev/null | sed -n 's/^\([^,]*\),.*PrivateKeyEntry.*/\1/p' | head -n 1)"
  [ -n "$alias_name" ] || continue
  if keytool -exportcert -rfc -alias "$alias_name" -keystore "$store" -storepass "$pass" >"$pem" 2>/dev/null && [ -s "$pem" ]; then
    exported=1
    break
  fi
done
[ -n "$exported" ] || fail "could not export the certificate of $jar's keystore"
printf '%s\n' "$ARTIFACT" >"$stamp_file"
ready
