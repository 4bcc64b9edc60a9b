#!/usr/bin/env python3
"""One Spark session (local[2]) serving the Spark suites, one JSON request per stdin line.

Starting Spark costs seconds and most of a core, so the suite starts it once and asks it, in turn,
to write and read encrypted Parquet between its pme runs. Each request sets its Hadoop properties
on the session's Hadoop configuration (those of the previous request are unset first), as the
guide's examples do with sc._jsc.hadoopConfiguration().set(...), and clears parquet-java's KMS
client and key caches (KeyToolkit.removeCacheEntriesForAllTokens): a fresh key list must be read.

Usage: spark_pme.py <parquet-hadoop-tests.jar>
Requests:  {"op": "write", "path": ..., "hadoop": {...}, "options": {...}, "rows": n}
             writes the guide's squares table (int_column, square_int_column) for i in 1..n,
             in two files (two partitions)
           {"op": "read", "path": ..., "hadoop": {...}}
Responses: {"ok": true, "rows": [[int_column, square_int_column], ...]} (rows sorted),
           {"ok": true} for writes, or {"ok": false, "error": "<Java exception class>: <message>"}.
The first line printed is {"ready": true, "spark": "<version>"}.
"""
import json
import sys

from pyspark.sql import Row, SparkSession


def session(jar):
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("pme-spark-suite")
        .config("spark.driver.extraClassPath", jar)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def java_error(error):
    """The Java exception's innermost cause, as "class: message" (Spark wraps it in several layers)."""
    java = getattr(error, "java_exception", None)
    if java is None:
        return f"{type(error).__name__}: {error}"
    while java.getCause() is not None:
        java = java.getCause()
    return f"{java.getClass().getName()}: {java.getMessage()}"


class Driver:
    def __init__(self, spark):
        self.spark = spark
        self.conf = spark.sparkContext._jsc.hadoopConfiguration()
        self.keytools = spark._jvm.org.apache.parquet.crypto.keytools.KeyToolkit
        self.set_names = []

    def configure(self, hadoop):
        for name in self.set_names:
            self.conf.unset(name)
        for name, value in hadoop.items():
            self.conf.set(name, value)
        self.set_names = list(hadoop)
        self.keytools.removeCacheEntriesForAllTokens()

    def write(self, request):
        self.configure(request.get("hadoop", {}))
        n = request["rows"]
        rows = [Row(int_column=i, square_int_column=i * i) for i in range(1, n + 1)]
        writer = self.spark.createDataFrame(rows).repartition(2).write.mode("overwrite")
        for name, value in request.get("options", {}).items():
            writer = writer.option(name, value)
        writer.parquet(request["path"])
        return {"ok": True}

    def read(self, request):
        self.configure(request.get("hadoop", {}))
        frame = self.spark.read.parquet(request["path"])
        rows = sorted([row.int_column, row.square_int_column] for row in frame.collect())
        return {"ok": True, "rows": rows}


def main():
    spark = session(sys.argv[1])
    driver = Driver(spark)
    print(json.dumps({"ready": True, "spark": spark.version}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            response = getattr(driver, request["op"])(request)
        except Exception as error:  # a failed read is an answer, not the end of the session
            response = {"ok": False, "error": java_error(error)}
        print(json.dumps(response), flush=True)
    spark.stop()


if __name__ == "__main__":
    main()
