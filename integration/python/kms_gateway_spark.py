#!/usr/bin/env python3
"""Spark side of the KMS gateway suite (integration/test/kms-gateway.test.ts): one Spark session (one JVM)
runs every job, with pme's Java KMS client (clients/java) on the driver's classpath, through the
functions of the Spark example (examples/privilege-levels/spark/privilege_levels_spark.py).

Usage: kms_gateway_spark.py < request.json > results.json

Request: {"example": <that folder>, "jar", "kms_url", "ca_file"?, "jobs": [...]} (kms_url and ca_file are
the session's Hadoop properties). Each job may carry "options": more Hadoop properties for its write or
read (another gateway's parquet.encryption.kms.instance.url...). Jobs:

{"op": "write_people", "id", "out", "rows": n, "options"?}
    write_people of people_rows(n) (footer under PUBLIC, each column under its level's key, no token).
    Result: {"ok": true, "file", "rows": [[...]]} (the rows written, dates as ISO strings).
{"op": "read", "id", "file", "columns": [...], "token"?, "options"?}
    read_columns: {"ok": true, "rows"} or {"ok": false, "error": <Java exception class>, "message"}.
{"op": "client", "id", "url", "token"?, "conf"?: {property: value}, "call": "wrap" | "unwrap", "key_id",
 "wrapped"?}
    pme.parquet.PmeHttpKmsClient called directly (through py4j): initialize with a Hadoop configuration
    holding only "conf", then wrapKey(16 zero bytes) or unwrapKey(wrapped). Result: {"ok": true} or
    {"ok": false, "error": <exception class>, "message"}.

{"op": "example", "id", "args": [...]}
    The example as a user runs it: its main(args) (with --json), stdout captured. It stops the session,
    so it must be the last job. Result: {"ok": true, "report": <its JSON>}.

Every result carries the job's id; a job that fails otherwise gives {"ok": false, "error": "driver", "message"}.
"""

import contextlib
import io
import json
import sys


def main():
    request = json.load(sys.stdin)
    sys.path.insert(0, request["example"])
    import privilege_levels_spark as demo

    spark = demo.spark_session(request["jar"], request["kms_url"], request.get("ca_file"), app="pme kms gateway suite")
    spark.sparkContext.setLogLevel("OFF")
    results = []
    try:
        for job in request["jobs"]:
            try:
                results.append({"id": job["id"], **run(spark, demo, job)})
            except Exception as error:  # noqa: BLE001 - reported per job
                results.append({"id": job["id"], "ok": False, "error": "driver", "message": str(error)[:2000]})
    finally:
        spark.stop()
    json.dump({"results": results}, sys.stdout)


def run(spark, demo, job):
    options = job.get("options")
    if job["op"] == "write_people":
        rows = demo.people_rows(job["rows"])
        file = demo.write_people(spark, rows, job["out"], options)
        return {"ok": True, "file": file, "rows": [demo.plain_row(row) for row in rows]}
    if job["op"] == "read":
        return demo.read_columns(spark, job["file"], job["columns"], job.get("token"), options)
    if job["op"] == "example":
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            demo.main(job["args"])
        return {"ok": True, "report": json.loads(printed.getvalue())}
    if job["op"] == "client":
        return call_client(spark, job)
    raise ValueError(f"unknown op {job['op']!r}")


def call_client(spark, job):
    from py4j.protocol import Py4JJavaError

    jvm = spark.sparkContext._jvm
    conf = jvm.org.apache.hadoop.conf.Configuration(False)
    for name, value in job.get("conf", {}).items():
        conf.set(name, value)
    client = jvm.pme.parquet.PmeHttpKmsClient()
    try:
        client.initialize(conf, "DEFAULT", job["url"], job.get("token") or "DEFAULT")
        if job["call"] == "wrap":
            client.wrapKey(bytearray(16), job["key_id"])
        else:
            client.unwrapKey(job["wrapped"], job["key_id"])
    except Py4JJavaError as error:
        thrown = error.java_exception
        return {"ok": False, "error": thrown.getClass().getSimpleName(), "message": thrown.getMessage()}
    return {"ok": True}


if __name__ == "__main__":
    main()
