#!/usr/bin/env python3
"""Batch driver for the KMS interop suite: pyarrow's CryptoFactory with an InMemoryKMS-compatible client.

Usage: pyarrow_kms.py < jobs.json > results.json

The KMS client
--------------
`InMemoryKms` wraps keys exactly as parquet-java's InMemoryKMS, Arrow C++'s TestOnlyInServerWrapKms and
pme's LocalKms do (pme-reference §6):

    wrapped = base64(nonce12 || AES-GCM(masterKey, key, AAD = UTF-8(masterKeyId)) || tag16)

Master keys come from parquet-java's key list format, "id: <base64>, id: <base64>", passed in the
KmsConnectionConfig's custom_kms_conf as "key_list". For rotation, "new_key_list" adds a newer version
of each of its ids: wrap uses the newest version, unwrap tries the newest first, then older ones (the
wrapped key names no version; the GCM tag tells which one fits). pyarrow's own test InMemoryKmsClient
(base64(masterKey || key)) is not compatible and is not used.

Every wrap and unwrap is counted per master key, per session (below), so the tests can see how many
KMS calls pyarrow made.

Jobs
----
Input: a JSON array of jobs. Output: {"pyarrow_version", "results": [...]} with one result per job,
in order, each carrying the job's "id". A job that raises gives {"id", "ok": false, "error_type",
"error"}; the driver exits non-zero only when its input is unusable.

Every job has "kms": {"key_list": str, "new_key_list"?: str} ("read" and "compare" may have "kms": null:
no decryption properties at all) and an optional "session": jobs naming
the same session share one CryptoFactory (and so its KMS client and KEK caches) and one set of call
counters; a job without a session gets a fresh factory. Results carry "kms_calls": {"wrap": {mk: n},
"unwrap": {mk: n}} of the session after the job.

{"op": "write", "id", "file", "columns": [column spec], "config": {EncryptionConfiguration kwargs},
 "options"?: {pq.write_table kwargs}, "self_read"?: bool}
    Build the table (column specs as python/pyarrow_crypto.py's build_table takes them), get
    file_encryption_properties(kms_conf, EncryptionConfiguration(**config), file) and write it. With
    "self_read", pyarrow then reads the file back with a fresh factory and the same KMS: the result's
    "self_read" is a read result or a failure (pyarrow cannot read some of its own files, §9.1).

{"op": "read", "id", "file", "select"?: [name, ...]}
    file_decryption_properties(kms_conf, DecryptionConfiguration(), file) and read the whole file, or
    only the columns in "select" (a projection). Result: {"ok": true, "num_rows",
    "num_row_groups", "columns": {name: [values]}} with values in python/read_plain.py's JSON form
    (int64 as decimal strings, NaN / Infinity as strings, maps as [[key, value], ...]).

{"op": "compare", "id", "original", "candidate", "redacted_statistics"?: bool}
    python/pyarrow_crypto.py's "compare" job, with the candidate decrypted through the CryptoFactory
    (the key material found from "candidate", so external key material files are read too), or with
    "kms": null read as a plaintext file.

{"op": "rotate", "id", "file", "double_wrapping": bool}
    CryptoFactory.rotate_master_keys(kms_conf, file, double_wrapping=...). Use "new_key_list" so that
    the new keys are the current versions. Result: {"ok": true}.
"""

import base64
import binascii
import json
import os
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pyarrow.parquet.encryption as pe
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from pyarrow_crypto import build_table, compare_files
from read_plain import array_to_json

NONCE_LENGTH = 12
TAG_LENGTH = 16


def parse_key_list(text):
    """parquet-java's parquet.encryption.key.list: comma-separated "id: <base64>" entries."""
    keys = {}
    for entry in text.split(','):
        entry = entry.strip()
        if not entry:
            continue
        key_id, colon, encoded = entry.partition(':')
        if not colon:
            raise ValueError('key list entry has no "id: key" form')
        key_id = key_id.strip()
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except binascii.Error as exc:
            raise ValueError(f'master key {key_id!r} is not base64') from exc
        if len(key) not in (16, 24, 32):
            raise ValueError(f'master key {key_id!r} must be 16, 24 or 32 bytes, got {len(key)}')
        keys[key_id] = key
    return keys


def key_versions(custom):
    """Master key id -> versions, oldest first: key_list, then new_key_list on top."""
    versions = {}
    for name in ('key_list', 'new_key_list'):
        if custom.get(name):
            for key_id, key in parse_key_list(custom[name]).items():
                versions.setdefault(key_id, [])
                if not versions[key_id] or versions[key_id][-1] != key:
                    versions[key_id].append(key)
    return versions


class CallCounter:
    def __init__(self):
        self.wrap = {}
        self.unwrap = {}
        self.clients = 0

    def count(self, table, master_key_id):
        table[master_key_id] = table.get(master_key_id, 0) + 1

    def snapshot(self):
        return {'wrap': dict(self.wrap), 'unwrap': dict(self.unwrap), 'clients': self.clients}


class InMemoryKms(pe.KmsClient):
    """InMemoryKMS-compatible client with versioned master keys (see the module docstring)."""

    def __init__(self, versions, counter):
        pe.KmsClient.__init__(self)
        self._versions = versions
        self._counter = counter

    def _keys(self, master_key_id):
        keys = self._versions.get(master_key_id)
        if not keys:
            raise KeyError(f'master key {master_key_id!r} is not known to the KMS')
        return keys

    def wrap_key(self, key_bytes, master_key_identifier):
        self._counter.count(self._counter.wrap, master_key_identifier)
        master_key = self._keys(master_key_identifier)[-1]
        nonce = os.urandom(NONCE_LENGTH)
        sealed = AESGCM(master_key).encrypt(nonce, bytes(key_bytes), master_key_identifier.encode('utf-8'))
        return base64.b64encode(nonce + sealed).decode('ascii')

    def unwrap_key(self, wrapped_key, master_key_identifier):
        self._counter.count(self._counter.unwrap, master_key_identifier)
        raw = base64.b64decode(wrapped_key, validate=True)
        if len(raw) < NONCE_LENGTH + TAG_LENGTH:
            raise ValueError(f'wrapped key for {master_key_identifier!r} is too short ({len(raw)} bytes)')
        aad = master_key_identifier.encode('utf-8')
        for master_key in reversed(self._keys(master_key_identifier)):
            try:
                return AESGCM(master_key).decrypt(raw[:NONCE_LENGTH], raw[NONCE_LENGTH:], aad)
            except InvalidTag:
                continue  # not this version: try the next older one
        raise ValueError(f'no version of master key {master_key_identifier!r} unwraps the key')


class Session:
    def __init__(self):
        self.counter = CallCounter()

        def client_factory(kms_connection_config):
            self.counter.clients += 1
            return InMemoryKms(key_versions(kms_connection_config.custom_kms_conf), self.counter)

        self.factory = pe.CryptoFactory(client_factory)


_sessions = {}


def session_of(job):
    name = job.get('session')
    if name is None:
        return Session()
    if name not in _sessions:
        _sessions[name] = Session()
    return _sessions[name]


def kms_config(job):
    kms = job['kms']
    custom = {'key_list': kms['key_list']}
    if kms.get('new_key_list'):
        custom['new_key_list'] = kms['new_key_list']
    return pe.KmsConnectionConfig(custom_kms_conf=custom)


def failure(exc):
    lines = str(exc).strip().splitlines()
    return {'ok': False, 'error_type': type(exc).__name__, 'error': lines[0] if lines else ''}


def decryption_properties(session, job, file):
    # DecryptionConfiguration's constructor argument is ignored in pyarrow 25.0.1 (§7): the default
    # 10-minute lifetime is what we want anyway.
    return session.factory.file_decryption_properties(kms_config(job), pe.DecryptionConfiguration(), file)


def read_with(session, job):
    props = None if job['kms'] is None else decryption_properties(session, job, job['file'])
    pf = pq.ParquetFile(job['file'], decryption_properties=props)
    if job.get('select') is None:
        table = pf.read()
    else:
        # pyarrow 25.0.1's read(columns=...), read_row_group and pq.read_table ask the KMS for the key of
        # every column, selected or not; iter_batches decrypts only the selected columns.
        table = pa.Table.from_batches(list(pf.iter_batches(columns=job['select'])))
    columns = {field.name: array_to_json(table.column(field.name).combine_chunks()) for field in table.schema}
    return {
        'ok': True,
        'num_rows': pf.metadata.num_rows,
        'num_row_groups': pf.metadata.num_row_groups,
        'columns': columns,
    }


def job_read(job):
    session = session_of(job)
    result = read_with(session, job)
    result['kms_calls'] = session.counter.snapshot()
    return result


def job_write(job):
    session = session_of(job)
    config = pe.EncryptionConfiguration(**job['config'])
    props = session.factory.file_encryption_properties(kms_config(job), config, job['file'])
    pq.write_table(build_table(job['columns']), job['file'], encryption_properties=props, **job.get('options', {}))
    result = {'ok': True, 'kms_calls': session.counter.snapshot()}
    if job.get('self_read'):
        try:
            result['self_read'] = read_with(Session(), job)
        except Exception as exc:  # noqa: BLE001 - reported: pyarrow cannot read some of its own files
            result['self_read'] = failure(exc)
    return result


def job_compare(job):
    session = session_of(job)
    if job['kms'] is None:
        result = compare_files(job, lambda: None)
    else:
        result = compare_files(job, lambda: decryption_properties(session, job, job['candidate']))
    result['kms_calls'] = session.counter.snapshot()
    return result


def job_rotate(job):
    session = session_of(job)
    session.factory.rotate_master_keys(kms_config(job), job['file'], double_wrapping=job['double_wrapping'])
    return {'ok': True, 'kms_calls': session.counter.snapshot()}


OPS = {'read': job_read, 'write': job_write, 'rotate': job_rotate, 'compare': job_compare}


def main():
    jobs = json.load(sys.stdin)
    results = []
    for job in jobs:
        try:
            result = OPS[job['op']](job)
        except Exception as exc:  # noqa: BLE001 - one failing job must not hide the others
            result = failure(exc)
        results.append({'id': job.get('id'), **result})
    json.dump({'pyarrow_version': pa.__version__, 'results': results}, sys.stdout, separators=(',', ':'), allow_nan=False)
    sys.stdout.write('\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
