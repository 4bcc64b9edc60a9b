#!/usr/bin/env bash
# Idempotently build the parquet-java side of the interop suite (integration/interop/java).
#
# Compiles the Maven project into <repo root>/.cache/java-interop with the local Maven repository in
# <repo root>/.cache/m2 (the first run downloads parquet-hadoop and the shaded Hadoop client from
# Maven Central; later runs are offline), and writes the runtime classpath to
# <repo root>/.cache/java-interop/classpath.txt. A stamp keyed on the hash of the pom and the sources
# skips the build when nothing changed.
#
# Env overrides: PME_MVN (Maven command, default mvn), PME_JAVA (java command, default java).
# On success prints exactly one line; on failure prints the reason on stderr and exits non-zero.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/../.." && pwd)"
project="$repo_root/integration/interop/java"
out_dir="$repo_root/.cache/java-interop"
m2="$repo_root/.cache/m2"
mvn_cmd="${PME_MVN:-mvn}"
java_cmd="${PME_JAVA:-java}"
stamp_file="$out_dir/.stamp"

fail() {
  echo "java-env.sh: $*" >&2
  exit 1
}

command -v "$java_cmd" >/dev/null 2>&1 || fail "'$java_cmd' not found on PATH; the parquet-java interop suite needs Java 17+"
java_major="$("$java_cmd" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
[ "${java_major%%.*}" -ge 17 ] 2>/dev/null || fail "Java 17 or newer is required ('$java_cmd' is ${java_major:-unknown})"

stamp_value="$(cd "$project" && cat pom.xml $(find src -type f | LC_ALL=C sort) | sha256sum | cut -c1-16)"

if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp_value" ] &&
  [ -d "$out_dir/classes" ] && [ -s "$out_dir/classpath.txt" ]; then
  echo "parquet-java interop ready: $out_dir ($stamp_value)"
  exit 0
fi

command -v "$mvn_cmd" >/dev/null 2>&1 || fail "'$mvn_cmd' not found on PATH; install Maven 3.8+ to build $project"

mkdir -p "$out_dir" "$m2"
rm -f "$stamp_file"
log="$out_dir/build.log"
# Offline when the local repository already has everything; online on the first build.
offline=()
[ -d "$m2/org/apache/parquet/parquet-hadoop" ] && offline=(-o)
build() {
  "$mvn_cmd" -B -q "$@" -f "$project/pom.xml" -Dmaven.repo.local="$m2" \
    -DbuildDirectory="$out_dir/target" \
    compile dependency:build-classpath -Dmdep.outputFile="$out_dir/classpath.txt" >"$log" 2>&1
}
if ! build "${offline[@]}"; then
  if [ ${#offline[@]} -eq 0 ] || ! build; then
    cat "$log" >&2
    fail "Maven build of $project failed (log: $log)"
  fi
fi
rm -rf "$out_dir/classes"
cp -r "$out_dir/target/classes" "$out_dir/classes"
printf '%s\n' "$stamp_value" >"$stamp_file"
echo "parquet-java interop ready: $out_dir ($stamp_value)"
