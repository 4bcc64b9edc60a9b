#!/usr/bin/env python3
"""pyarrow side of the KMS gateway suite (integration/test/kms-gateway.test.ts): pyarrow's CryptoFactory
over pme's Python KMS client (clients/python, pme_kms.PmeHttpKmsClient; on PYTHONPATH or installed).

Usage: kms_gateway_pyarrow.py < request.json > results.json

Request: {"example": <examples/privilege-levels/spark>, "kms_url", "ca_file"?, "jobs": [...]}. The people
rows are the Spark example's people_rows(n), so every engine writes the same table. Jobs:

{"op": "write_plain", "id", "file", "rows": n}
    The table without encryption (for `pme encrypt`). Result: {"ok": true, "rows"}.
{"op": "write", "id", "file", "rows": n}
    Encrypted as the example writes it: encrypted footer under PUBLIC, each column under its level's
    master key, no token. Result: {"ok": true, "rows"}.
{"op": "read", "id", "file", "columns": [...], "token"?, "ca_file"?}
    ca_file overrides the request's. With a fresh CryptoFactory per read (its key caches are per token anyway). Result: {"ok": true,
    "rows": [[...]]} sorted by the first column, or {"ok": false, "error": <exception class>, "message"}
    when the client refused or failed (pme_kms's errors only: anything else fails the driver).
{"op": "client", "id", "url", "token"?, "conf"?: {custom_kms_conf}, "call": "wrap" | "unwrap", "key_id",
 "wrapped"?}
    pme_kms.PmeHttpKmsClient called directly: wrap_key(16 zero bytes) or unwrap_key(wrapped). Result:
    {"ok": true} or {"ok": false, "error": <exception class>, "message"} (a ValueError from the
    configuration included).

Every result carries the job's id.
"""

import json
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pyarrow.parquet.encryption as pe
from pme_kms import KmsError, PmeHttpKmsClient

SCHEMA = pa.schema(
    [
        pa.field("id", pa.int32(), nullable=False),
        pa.field("date_of_birth", pa.date32(), nullable=False),
        pa.field("first_name", pa.string(), nullable=False),
        pa.field("last_name", pa.string(), nullable=False),
        pa.field("social_security_number", pa.string(), nullable=False),
    ]
)


def main():
    request = json.load(sys.stdin)
    sys.path.insert(0, request["example"])
    import privilege_levels_spark as demo

    def connection(token=None, ca_file=request.get("ca_file")):
        conf = {"pme.kms.tls.ca.file": ca_file} if ca_file else {}
        return pe.KmsConnectionConfig(
            kms_instance_url=request["kms_url"], key_access_token=token or "DEFAULT", custom_kms_conf=conf
        )

    def factory():
        return pe.CryptoFactory(lambda config: PmeHttpKmsClient(config))

    def table(n):
        rows = demo.people_rows(n)
        return pa.Table.from_pylist([dict(zip(demo.COLUMNS, row)) for row in rows], schema=SCHEMA), rows

    results = []
    for job in request["jobs"]:
        op = job["op"]
        if op in ("write_plain", "write"):
            data, rows = table(job["rows"])
            properties = {}
            if op == "write":
                column_keys = {}
                for column in demo.COLUMNS:
                    if demo.COLUMN_LEVELS[column]:
                        column_keys.setdefault(demo.COLUMN_LEVELS[column], []).append(column)
                config = pe.EncryptionConfiguration(footer_key=demo.FOOTER_KEY, column_keys=column_keys)
                properties["encryption_properties"] = factory().file_encryption_properties(connection(), config)
            pq.write_table(data, job["file"], **properties)
            results.append({"id": job["id"], "ok": True, "rows": [demo.plain_row(row) for row in rows]})
        elif op == "read":
            config = connection(job.get("token"), job.get("ca_file", request.get("ca_file")))
            decryption = factory().file_decryption_properties(config, pe.DecryptionConfiguration())
            try:
                read = pq.read_table(job["file"], columns=job["columns"], decryption_properties=decryption)
            except KmsError as error:
                results.append({"id": job["id"], "ok": False, "error": type(error).__name__, "message": str(error)})
                continue
            rows = sorted(zip(*(read.column(c).to_pylist() for c in job["columns"])))
            results.append({"id": job["id"], "ok": True, "rows": [demo.plain_row(row) for row in rows]})
        elif op == "client":
            results.append({"id": job["id"], **call_client(job)})
        else:
            raise ValueError(f"unknown op {op!r}")
    json.dump({"results": results}, sys.stdout)


def call_client(job):
    config = pe.KmsConnectionConfig(
        kms_instance_url=job["url"], key_access_token=job.get("token") or "DEFAULT", custom_kms_conf=job.get("conf", {})
    )
    try:
        client = PmeHttpKmsClient(config)
        if job["call"] == "wrap":
            client.wrap_key(bytes(16), job["key_id"])
        else:
            client.unwrap_key(job["wrapped"], job["key_id"])
    except (KmsError, ValueError) as error:
        return {"ok": False, "error": type(error).__name__, "message": str(error)}
    return {"ok": True}


if __name__ == "__main__":
    main()
