#!/usr/bin/env bash
# Provisions Apache Spark for the Spark suites: <repo root>/.cache/spark-venv with pyspark pinned
# (it bundles parquet-java 1.17.0 and Hadoop), and parquet-hadoop's tests jar (InMemoryKMS) in
# <repo root>/.cache/spark-jars (Maven, local repository .cache/m2; offline once present). Idempotent.
# Env overrides: PME_PYTHON, PME_SPARK_VENV_DIR, PME_MVN.
# On success prints exactly one line: the venv's python and the jar folder.
set -euo pipefail
script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/../.." && pwd)"
source "$script_dir/pinned-venv.sh"

PYSPARK_VERSION=4.3.0
PARQUET_JAVA_VERSION=1.17.0
venv_dir="${PME_SPARK_VENV_DIR:-$repo_root/.cache/spark-venv}"
jar_dir="$repo_root/.cache/spark-jars"
tests_jar="$jar_dir/parquet-hadoop-$PARQUET_JAVA_VERSION-tests.jar"

command -v java >/dev/null 2>&1 || { echo "spark-env.sh: java not found; Spark needs Java 17+" >&2; exit 1; }
pinned_venv spark-env.sh "$venv_dir" : "pyspark==$PYSPARK_VERSION"

if [ ! -s "$tests_jar" ]; then
  mvn_cmd="${PME_MVN:-mvn}"
  mkdir -p "$jar_dir"
  log="$jar_dir/mvn.log"
  if ! "$mvn_cmd" -B -q dependency:copy -Dmaven.repo.local="$repo_root/.cache/m2" \
    -Dartifact="org.apache.parquet:parquet-hadoop:$PARQUET_JAVA_VERSION:jar:tests" \
    -DoutputDirectory="$jar_dir" >"$log" 2>&1; then
    cat "$log" >&2
    echo "spark-env.sh: could not fetch parquet-hadoop $PARQUET_JAVA_VERSION tests jar (log: $log)" >&2
    exit 1
  fi
fi
echo "spark env ready: $venv_dir/bin/python ($jar_dir)"
