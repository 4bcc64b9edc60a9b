#!/usr/bin/env python3
"""The privilege-levels demo with Apache Spark: Spark writes the people table through `pme kms serve`,
then reads it back with each level's token, one column at a time, and prints who could read what.

    python privilege_levels_spark.py --kms-url http://127.0.0.1:8001 \
        --jar ../../../clients/java/target/pme-kms-client.jar [--ca-file ca.pem] [--rows 1000] [--json]

Needs pyspark 4.x (it bundles parquet-java 1.17.0) and Java 17+, and a running `pme kms serve` with the
levels (pme.config.json next to this file; see README.md). Tokens come from PME_TOKEN_INTERNAL,
PME_TOKEN_CONFIDENTIAL and PME_TOKEN_RESTRICTED (default: the level's name, as in the seed).

The functions are also the integration suite's (integration/python/kms_gateway_spark.py): pyspark is
imported only where a session is made.
"""

import argparse
import datetime
import json
import os
import random
import re
import sys
import tempfile

LEVELS = ["PUBLIC", "INTERNAL", "CONFIDENTIAL", "RESTRICTED"]
COLUMNS = ["id", "date_of_birth", "first_name", "last_name", "social_security_number"]
# The seed's rules: the least level that reads each column (None: plaintext); one master key per level.
COLUMN_LEVELS = {
    "id": None,
    "date_of_birth": "INTERNAL",
    "first_name": "CONFIDENTIAL",
    "last_name": "CONFIDENTIAL",
    "social_security_number": "RESTRICTED",
}
FOOTER_KEY = "PUBLIC"
# parquet-java's parquet.encryption.column.keys: "<master key>:<column>,<column>;..."
COLUMN_KEYS = ";".join(
    f"{level}:{','.join(c for c in COLUMNS if COLUMN_LEVELS[c] == level)}" for level in LEVELS[1:]
)
SCHEMA = "id INT, date_of_birth DATE, first_name STRING, last_name STRING, social_security_number STRING"

FIRST_NAMES = ["James", "Mary", "Andrew", "Linda", "Christopher", "Susan", "Daniel", "Karen", "Paul", "Nancy"]
LAST_NAMES = ["Clark", "Perez", "Gonzalez", "Lee", "Walker", "Hall", "Young", "King", "Wright", "Lopez"]


def people_rows(count, seed=1):
    """`count` made-up people, the same for the same seed. Social security numbers have the real form but
    an area number of 900-999 and a group of 10-49: never assigned to anyone."""
    rng = random.Random(seed)
    first_day = datetime.date(1940, 1, 1)
    span = (datetime.date(2006, 12, 31) - first_day).days
    return [
        (
            i,
            first_day + datetime.timedelta(days=rng.randint(0, span)),
            rng.choice(FIRST_NAMES),
            rng.choice(LAST_NAMES),
            f"{rng.randint(900, 999)}-{rng.randint(10, 49):02d}-{rng.randint(1, 9999):04d}",
        )
        for i in range(1, count + 1)
    ]


def spark_session(jar, kms_url, ca_file=None, app="pme privilege levels"):
    """A local Spark session whose Parquet encryption goes through pme's HTTP KMS (the Java client on
    the driver's classpath; local mode runs the executors in the driver's JVM)."""
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master(os.environ.get("PME_SPARK_MASTER", "local[2]"))
        .appName(app)
        .config("spark.driver.extraClassPath", jar)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config(
            "spark.hadoop.parquet.crypto.factory.class",
            "org.apache.parquet.crypto.keytools.PropertiesDrivenCryptoFactory",
        )
        .config("spark.hadoop.parquet.encryption.kms.client.class", "pme.parquet.PmeHttpKmsClient")
        .config("spark.hadoop.parquet.encryption.kms.instance.url", kms_url)
    )
    if ca_file:
        builder = builder.config("spark.hadoop.pme.kms.tls.ca.file", ca_file)
    return builder.getOrCreate()


def write_people(spark, rows, out_dir, options=None):
    """Spark writes the table as one encrypted Parquet file in out_dir: footer (encrypted) under PUBLIC,
    each column under its level's master key, no token (the KMS checks unwrap only). `options`: more
    Hadoop properties for this write (another parquet.encryption.kms.instance.url...). Returns the part
    file's path."""
    writer = (
        spark.createDataFrame(rows, SCHEMA)
        .coalesce(1)
        .write.mode("overwrite")
        .option("parquet.encryption.footer.key", FOOTER_KEY)
        .option("parquet.encryption.column.keys", COLUMN_KEYS)
        .options(**(options or {}))
    )
    writer.parquet(out_dir)
    parts = sorted(name for name in os.listdir(out_dir) if name.endswith(".parquet"))
    if len(parts) != 1:
        raise RuntimeError(f"expected one part file in {out_dir}, found {parts}")
    return os.path.join(out_dir, parts[0])


_REFUSAL = re.compile(r"(org\.apache\.parquet\.crypto\.\w+): (pme KMS [^\n]*)")


def read_columns(spark, path, columns, token=None, options=None):
    """Reads `columns` of `path` with `token` (None: no token, the PUBLIC level); Spark passes read
    options on to the Hadoop configuration, so each read carries its own token. Returns
    {"ok": True, "rows": [[...], ...]} or {"ok": False, "error": <Java class>, "message": <its message>}."""
    reader = spark.read.options(**(options or {}))
    if token:
        reader = reader.option("parquet.encryption.key.access.token", token)
    try:
        rows = reader.parquet(path).select(*columns).orderBy("id" if "id" in columns else columns[0]).collect()
    except Exception as error:  # noqa: BLE001 - Py4JJavaError or pyspark's own wrapper: the Java cause is in the text
        found = _REFUSAL.search(str(error))
        if not found:
            raise
        return {"ok": False, "error": found.group(1).rsplit(".", 1)[1], "message": found.group(2).strip()}
    return {"ok": True, "rows": [plain_row(row) for row in rows]}


def plain_row(row):
    """A row as JSON takes it: dates as ISO strings."""
    return [_plain(value) for value in row]


def _plain(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


def tokens_from_env():
    """Level -> token (None for PUBLIC): PME_TOKEN_<LEVEL>, or the level's name as in the seed."""
    return {level: None if level == "PUBLIC" else os.environ.get(f"PME_TOKEN_{level}", level) for level in LEVELS}


def access_matrix(spark, path, tokens):
    """For each level and each column (and all columns together): read, or the refusal."""
    matrix = []
    for level in LEVELS:
        projections = {column: [column] for column in COLUMNS}
        projections["all columns"] = COLUMNS
        reads = {name: read_columns(spark, path, columns, tokens[level]) for name, columns in projections.items()}
        matrix.append({"level": level, "reads": reads})
    return matrix


def render(matrix, kms_url, path, rows):
    names = COLUMNS + ["all columns"]
    widths = [max(len(n), 1) for n in names]
    lines = [
        f"pme privilege-levels demo with Spark, through pme's HTTP KMS at {kms_url}",
        "",
        f"Spark wrote {path}: {rows} rows; footer under PUBLIC; {COLUMN_KEYS}",
        "",
        "Read with each token, one column at a time, then all columns (✓ read, ✗ refused):",
        "  " + "token".ljust(14) + "  ".join(n.ljust(w) for n, w in zip(names, widths)),
    ]
    refusals = []
    for entry in matrix:
        marks = []
        for name, width in zip(names, widths):
            read = entry["reads"][name]
            marks.append(("✓" if read["ok"] else "✗").ljust(width))
            refusal = None if read["ok"] else f"{read['error']}: {read['message']}"
            if refusal and refusal not in refusals:
                refusals.append(refusal)
        label = "(none)" if entry["level"] == "PUBLIC" else entry["level"]
        lines.append("  " + label.ljust(14) + "  ".join(marks))
    lines += ["", "Refusals (the Java exception, each distinct one once):"]
    lines += [f"  {message}" for message in refusals]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kms-url", default="http://127.0.0.1:8001", help="the URL of `pme kms serve`")
    parser.add_argument("--jar", required=True, help="clients/java/target/pme-kms-client.jar")
    parser.add_argument("--ca-file", help="PEM CA file to trust for an https KMS URL (pme.kms.tls.ca.file)")
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--out", help="output folder (default: a temporary one)")
    parser.add_argument("--json", action="store_true", help="print the matrix as JSON")
    args = parser.parse_args(argv)
    out = args.out or os.path.join(tempfile.mkdtemp(prefix="pme-spark-demo-"), "people")
    spark = spark_session(args.jar, args.kms_url, args.ca_file)
    spark.sparkContext.setLogLevel("OFF")
    try:
        path = write_people(spark, people_rows(args.rows), out)
        matrix = access_matrix(spark, path, tokens_from_env())
    finally:
        spark.stop()
    if args.json:
        for entry in matrix:  # row counts, not rows
            for read in entry["reads"].values():
                if read["ok"]:
                    read["rows"] = len(read.pop("rows"))
        print(json.dumps({"kms": args.kms_url, "file": path, "matrix": matrix}))
    else:
        print(render(matrix, args.kms_url, path, args.rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
