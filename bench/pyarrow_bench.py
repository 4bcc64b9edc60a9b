"""pyarrow's side of `pnpm bench`: one warm process that runs one timed operation per request.

Protocol: one JSON object per line on stdin, {"op": ..., ...}; one JSON line back, {"ms": wall time,
"cpuMs": CPU time of this process, both for the operation} or {"error": text}. The Node side interleaves these requests with its
own runs, so both see the same machine load. The table is the one bench.mjs builds: the same formulas.
"""
import base64
import json
import resource
import sys
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pyarrow.parquet.encryption as pe

ROW_GROUP = 250_000


def build_table(rows):
    categories = ['red', 'green', 'blue', 'cyan', 'magenta']
    return pa.table({
        'id': pa.array(range(rows), pa.int64()),
        'amount': pa.array([((i * 7919) % 100_000) / 100 for i in range(rows)], pa.float64()),
        'quantity': pa.array([i % 1000 for i in range(rows)], pa.int32()),
        'category': pa.array([categories[i % 5] for i in range(rows)], pa.string()),
        'email': pa.array([None if i % 10 == 0 else f'user{i}@example.com' for i in range(rows)], pa.string()),
    })


class BenchKms(pe.KmsClient):
    """Wraps data keys by base64 only: a benchmark has no secrets, and a real KMS call is not measured."""

    def __init__(self, _config):
        pe.KmsClient.__init__(self)

    def wrap_key(self, key_bytes, master_key_identifier):
        return base64.b64encode(bytes(key_bytes)).decode('ascii')

    def unwrap_key(self, wrapped_key, master_key_identifier):
        return base64.b64decode(wrapped_key)


factory = pe.CryptoFactory(BenchKms)
kms = pe.KmsConnectionConfig()
# Two column keys and the footer key, as bench.mjs encrypts; single wrapping, key material in the file.
encryption_config = pe.EncryptionConfiguration(
    footer_key='kf', column_keys={'kc1': ['amount'], 'kc2': ['email']}, double_wrapping=False
)
decryption_config = pe.DecryptionConfiguration()
table = None


def encryption(path):
    return factory.file_encryption_properties(kms, encryption_config)


def decryption(path):
    return factory.file_decryption_properties(kms, decryption_config)


def run(request):
    global table
    op = request['op']
    path = request.get('file')
    if op == 'setup':
        table = build_table(request['rows'])
        return
    if op == 'write':
        props = encryption(path) if request.get('encrypted') else None
        pq.write_table(table, path, compression='snappy', row_group_size=ROW_GROUP, encryption_properties=props)
    elif op == 'read':
        props = decryption(path) if request.get('encrypted') else None
        columns = request.get('columns')
        result = pq.read_table(path, columns=columns, decryption_properties=props)
        if request.get('rows'):
            result.to_pylist()
    elif op == 'rewrite':
        # pyarrow's way to encrypt (or decrypt) an existing file: read it whole and write it again.
        read_props = decryption(path) if request.get('from_encrypted') else None
        write_props = encryption(request['output']) if request.get('to_encrypted') else None
        read = pq.read_table(path, decryption_properties=read_props)
        pq.write_table(read, request['output'], compression='snappy', row_group_size=ROW_GROUP,
                       encryption_properties=write_props)
    elif op == 'memory':
        return {'peakRssBytes': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}
    else:
        raise ValueError(f'unknown op {op}')


for line in sys.stdin:
    request = json.loads(line)
    start = time.perf_counter()
    cpu = time.process_time()
    try:
        extra = run(request) or {}
        elapsed = (time.perf_counter() - start) * 1000
        reply = {'ms': elapsed, 'cpuMs': (time.process_time() - cpu) * 1000, **extra}
    except Exception as exc:  # reported to the Node side, which records it in the JSON
        reply = {'error': f'{type(exc).__name__}: {exc}'.splitlines()[0]}
    print(json.dumps(reply), flush=True)
