#!/usr/bin/env bash
# Builds clients/java/target/pme-kms-client.jar (pme.parquet.PmeHttpKmsClient), idempotently.
#
# Maven with the local repository in <repo root>/.cache/m2: the first run downloads parquet-hadoop,
# hadoop-client-api (both "provided": compiled against, not packed) and the build plugins; later runs
# are offline. A stamp keyed on the hash of the pom and the sources skips the build when nothing changed.
# Runs only compile and jar (no test phase: the client is tested end to end by
# integration/test/kms-gateway.test.ts, through Spark and a real `pme kms serve`).
#
# Env overrides: PME_MVN (Maven command, default mvn). Needs Java 11+ (javac) and Maven 3.8+.
# On success prints exactly one line: the jar's path; on failure the reason on stderr, exit 1.
set -euo pipefail

project="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$project/../.." && pwd)"
m2="$repo_root/.cache/m2"
mvn_cmd="${PME_MVN:-mvn}"
jar="$project/target/pme-kms-client.jar"
stamp_file="$project/target/.stamp"

fail() {
  echo "clients/java/build.sh: $*" >&2
  exit 1
}

stamp_value="$(cd "$project" && cat pom.xml $(find src -type f | LC_ALL=C sort) | sha256sum | cut -c1-16)"
if [ -s "$jar" ] && [ "$(cat "$stamp_file" 2>/dev/null)" = "$stamp_value" ]; then
  echo "$jar"
  exit 0
fi

command -v javac >/dev/null 2>&1 || fail "'javac' not found on PATH: a JDK 11 or newer is needed"
command -v "$mvn_cmd" >/dev/null 2>&1 || fail "'$mvn_cmd' not found on PATH: install Maven 3.8+"

mkdir -p "$project/target" "$m2"
rm -f "$stamp_file" "$jar"
log="$project/target/build.log"
build() {
  "$mvn_cmd" -B -q "$@" -f "$project/pom.xml" -Dmaven.repo.local="$m2" \
    resources:resources compiler:compile jar:jar >"$log" 2>&1
}
# Offline when the local repository has the jar plugin (it had everything then); online otherwise,
# and online again if an offline build finds something missing.
offline=()
[ -d "$m2/org/apache/maven/plugins/maven-jar-plugin/3.4.2" ] && offline=(-o)
if ! build "${offline[@]}"; then
  if [ ${#offline[@]} -eq 0 ] || ! build; then
    cat "$log" >&2
    fail "Maven build failed (log: $log)"
  fi
fi
[ -s "$jar" ] || fail "Maven succeeded but $jar is missing (log: $log)"
printf '%s\n' "$stamp_value" >"$stamp_file"
echo "$jar"
