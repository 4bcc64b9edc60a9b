#!/usr/bin/env python3
"""Cross-check of @pme/kms-local against Python: an InMemoryKMS-compatible pyarrow KmsClient.

Usage: in_memory_kms.py < jobs.json > results.json

The client below is what a Python user writes "the obvious way" from parquet-java's InMemoryKMS:
wrapped = base64(nonce12 || AES-GCM(master_key, key, aad=utf8(master_key_id)) || tag16), with the
`cryptography` package. Master keys travel as {"id": base64}, keys as base64.

Jobs (a JSON array; one result per job, same order):
  {"op": "wrap", "master_keys", "id", "key"}            -> {"wrapped"}
  {"op": "unwrap", "master_keys", "id", "wrapped"}      -> {"key"}
  {"op": "write", "master_keys", "path", "footer_key", "column_keys": {id: [col]}, "rows": [..],
   "token"?}                                             pyarrow writes the rows (int64 id, strings)
  {"op": "read", "master_keys", "path", "token"?}       -> {"rows"}: pyarrow reads the whole file
A failing job gives {"ok": false, "error_type", "error"}; successful ones carry "ok": true.
"""

import base64
import json
import os
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def wrap(master_keys, key_id, key):
    nonce = os.urandom(12)
    sealed = AESGCM(master_keys[key_id]).encrypt(nonce, key, key_id.encode('utf-8'))
    return base64.b64encode(nonce + sealed).decode('ascii')


def unwrap(master_keys, key_id, wrapped):
    raw = base64.b64decode(wrapped, validate=True)
    return AESGCM(master_keys[key_id]).decrypt(raw[:12], raw[12:], key_id.encode('utf-8'))


def crypto_factory(master_keys):
    import pyarrow.parquet.encryption as pe

    class InMemoryKmsClient(pe.KmsClient):
        def __init__(self, _config):
            pe.KmsClient.__init__(self)

        def wrap_key(self, key_bytes, master_key_identifier):
            return wrap(master_keys, master_key_identifier, key_bytes)

        def unwrap_key(self, wrapped_key, master_key_identifier):
            return unwrap(master_keys, master_key_identifier, wrapped_key)

    return pe.CryptoFactory(InMemoryKmsClient)


def kms_config(job):
    import pyarrow.parquet.encryption as pe

    return pe.KmsConnectionConfig(key_access_token=job.get('token', 'DEFAULT'))


def run(job):
    master_keys = {key_id: base64.b64decode(value) for key_id, value in job['master_keys'].items()}
    op = job['op']
    if op == 'wrap':
        return {'wrapped': wrap(master_keys, job['id'], base64.b64decode(job['key']))}
    if op == 'unwrap':
        return {'key': base64.b64encode(unwrap(master_keys, job['id'], job['wrapped'])).decode('ascii')}
    import pyarrow as pa
    import pyarrow.parquet as pq
    import pyarrow.parquet.encryption as pe

    factory = crypto_factory(master_keys)
    if op == 'write':
        config = pe.EncryptionConfiguration(footer_key=job['footer_key'], column_keys=job['column_keys'])
        properties = factory.file_encryption_properties(kms_config(job), config)
        table = pa.Table.from_pylist(job['rows'])
        pq.write_table(table, job['path'], encryption_properties=properties)
        return {}
    if op == 'read':
        properties = factory.file_decryption_properties(kms_config(job), pe.DecryptionConfiguration())
        return {'rows': pq.ParquetFile(job['path'], decryption_properties=properties).read().to_pylist()}
    raise ValueError(f'unknown op {op!r}')


def main():
    results = []
    for job in json.load(sys.stdin):
        try:
            results.append({'ok': True, **run(job)})
        except Exception as error:  # one failing job must not hide the others' results
            results.append({'ok': False, 'error_type': type(error).__name__, 'error': str(error)})
    json.dump(results, sys.stdout)


if __name__ == '__main__':
    main()
