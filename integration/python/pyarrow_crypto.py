#!/usr/bin/env python3
"""Batch driver for the pyarrow encryption interop suites: many reads, writes and comparisons per process.

Usage: pyarrow_crypto.py < jobs.json > results.json

Input: a JSON array of jobs. Output: one JSON array with one result per job, in the same order, each
carrying the job's "id". A job that fails (pyarrow raised) gives {"id", "ok": false, "error_type",
"error"}; the driver itself exits non-zero only when its input is unusable.

Keys and AAD prefixes travel as lowercase hex. Only pyarrow's low-level API is used
(pyarrow.parquet.encryption.create_encryption_properties / create_decryption_properties), which in
pyarrow 25 supports uniform encryption only: the footer key encrypts every column.

Jobs
----
{"op": "read", "id", "file", "key"?: hex, "aad_prefix"?: hex}
    Open the file (with decryption properties when "key" is given) and read it whole. Result:
    {"ok": true, "num_rows", "num_row_groups", "row_group_rows": [..],
     "columns": {name: {"arrow_type", "values"}},      # values as read_plain.array_to_json prints them
     "chunks": [[{"path", "physical_type", "has_column_index", "has_offset_index", "has_dictionary_page",
                  "dictionary_page_offset", "data_page_offset",
                  "encodings", "compression", "num_values", "statistics"}]],   # per row group
     "modules": [[n | null]],   # per row group and column, see module_counts()
     "encryption": {"magic", "algorithm", "aad_prefix", "supply_aad_prefix"}}   # see file_encryption()

{"op": "write", "id", "file", "columns": [column spec], "key": hex, "algorithm", "plaintext_footer",
 "aad_prefix"?: hex, "store_aad_prefix", "options": {pq.write_table keyword arguments}}
    Build a table from the column specs and write it encrypted. The result also carries the file's
    "encryption" (file_encryption()) and "self_read": the "read" result of pyarrow reading its own
    file back with the same key and prefix.
    Column spec: {"name", "type", "nullable", "values"} where "type" is "int32" | "int64" | "double"
    | "boolean" | "string" | {"list": <type>, "element_nullable": bool}
    | {"struct": [{"name", "type", "nullable"}]} | {"map": <key type>, "value": <type>, "value_nullable": bool};
    values in read_plain.py's JSON form (int64 as decimal strings, non-finite doubles as "NaN" /
    "Infinity" / "-Infinity", maps as [[key, value], ...]).

{"op": "leaves", "id", "file"}
    The leaf columns of a plaintext file's Parquet schema, as dot paths: {"ok": true, "leaves": [..]}.

{"op": "compare", "id", "original", "candidate", "key"?: hex, "aad_prefix"?: hex,
 "redacted_statistics"?: bool, "checksums"?: bool}
    Read "original" (a plaintext file) and "candidate" (decrypted with "key" when given) and compare:
    the Arrow schema with its metadata, every value (NaN equal to NaN), the row-group layout and, per
    column chunk, the page-index flags, compression, value count, statistics, the dictionary flag
    (expected_dictionary_flag) and the encodings (encodings_difference). With "redacted_statistics" (a plaintext-footer candidate) the candidate's statistics
    must instead be absent: for footer-key columns pyarrow reads only the plaintext ColumnMetaData,
    whose statistics the writer must redact (pme-reference §5); pyarrow shows none on its own
    plaintext-footer files either. Result: {"ok": true, "original": {"ok": false, ...} | {"ok": true,
    "num_rows"}, "candidate": same plus "encryption" (file_encryption()), "differences": [text, ...]} (empty differences: equal). When
    pyarrow cannot read the original, "same_error" tells whether the candidate fails with the same
    message. With "checksums", "checksums": {"original", "candidate"} holds the outcome of reading each
    file again with page_checksum_verification=True: null when every page CRC matched, else the error.
    compare_files() is the same comparison for other decryption properties (python/pyarrow_kms.py
    compares with its CryptoFactory).
"""

import json
import math
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pyarrow.parquet.encryption as pe

sys.dont_write_bytecode = True  # importing read_plain must not leave a __pycache__ in the repo
from read_plain import array_to_json, statistics_json  # noqa: E402

SCALARS = {
    'int32': pa.int32(),
    'int64': pa.int64(),
    'double': pa.float64(),
    'boolean': pa.bool_(),
    'string': pa.string(),
}


def unhex(value):
    return None if value is None else bytes.fromhex(value)


def failure(exc):
    """What a job reports for an exception pyarrow raised: its type and first message line."""
    message = str(exc).strip().splitlines()
    return {'ok': False, 'error_type': type(exc).__name__, 'error': message[0] if message else ''}


# ---------------------------------------------------------------------------------------------- read


def decryption_properties(key_hex, aad_prefix_hex):
    if key_hex is None:
        return None
    return pe.create_decryption_properties(unhex(key_hex), aad_prefix=unhex(aad_prefix_hex))


def open_file(path, key_hex=None, aad_prefix_hex=None):
    return pq.ParquetFile(path, decryption_properties=decryption_properties(key_hex, aad_prefix_hex))


def chunk_facts(md):
    out = []
    for r in range(md.num_row_groups):
        rg = md.row_group(r)
        cols = []
        for c in range(rg.num_columns):
            col = rg.column(c)
            cols.append(
                {
                    'path': col.path_in_schema,
                    'physical_type': col.physical_type,
                    'has_column_index': bool(col.has_column_index),
                    'has_offset_index': bool(col.has_offset_index),
                    'has_dictionary_page': bool(col.has_dictionary_page),
                    'dictionary_page_offset': col.dictionary_page_offset,
                    'data_page_offset': col.data_page_offset,
                    'encodings': sorted(col.encodings),
                    'compression': col.compression,
                    'num_values': col.num_values,
                    'statistics': statistics_json(col),
                }
            )
        out.append(cols)
    return out


def module_counts(path, md):
    """Per row group and column: how many length-prefixed modules (pme-reference §2) tile the column
    chunk exactly, or None when they do not. In an encrypted chunk every page is two modules (header,
    body), so this counts pages independently of any reader: pages = modules / 2."""
    with open(path, 'rb') as f:
        data = f.read()
    out = []
    for r in range(md.num_row_groups):
        counts = []
        for c in range(md.num_columns):
            col = md.row_group(r).column(c)
            pos = col.dictionary_page_offset if col.has_dictionary_page else col.data_page_offset
            end = pos + col.total_compressed_size
            n = 0
            while pos + 4 <= end:
                pos += 4 + int.from_bytes(data[pos : pos + 4], 'little')
                n += 1
            counts.append(n if pos == end else None)
        out.append(counts)
    return out


class CompactReader:
    """Just enough of the Thrift compact protocol to decode the structs of the file tail into
    {field id: value} dicts (nested structs as dicts, lists as lists, binary as bytes)."""

    def __init__(self, data, pos=0):
        self.data, self.pos = data, pos

    def byte(self):
        self.pos += 1
        return self.data[self.pos - 1]

    def varint(self):
        value, shift = 0, 0
        while True:
            b = self.byte()
            value |= (b & 0x7F) << shift
            if not b & 0x80:
                return value
            shift += 7

    def zigzag(self):
        v = self.varint()
        return (v >> 1) ^ -(v & 1)

    def value(self, typ):
        if typ in (1, 2):  # bool inside a list: one byte
            return self.byte() == 1
        if typ == 3:
            return self.byte()
        if typ in (4, 5, 6):
            return self.zigzag()
        if typ == 7:
            self.pos += 8
            return None
        if typ == 8:
            n = self.varint()
            self.pos += n
            return bytes(self.data[self.pos - n : self.pos])
        if typ in (9, 10):
            head = self.byte()
            size = head >> 4 if head >> 4 != 15 else self.varint()
            return [self.value(head & 0x0F) for _ in range(size)]
        if typ == 11:
            size = self.varint()
            kinds = self.byte() if size else 0
            return [(self.value(kinds >> 4), self.value(kinds & 0x0F)) for _ in range(size)]
        if typ == 12:
            return self.struct()
        raise ValueError(f'unknown compact type {typ}')

    def struct(self):
        fields, last = {}, 0
        while True:
            head = self.byte()
            if head == 0:
                return fields
            delta, typ = head >> 4, head & 0x0F
            last = last + delta if delta else self.zigzag()
            fields[last] = typ == 1 if typ in (1, 2) else self.value(typ)


ALGORITHM_NAMES = {1: 'AES_GCM_V1', 2: 'AES_GCM_CTR_V1'}


def file_encryption(path):
    """What the file tail says about its encryption, read from the bytes (pme-reference §1, §4):
    {"magic", "algorithm", "aad_prefix" (hex, stored prefix), "supply_aad_prefix"}; the algorithm comes
    from FileCryptoMetaData (PARE) or FileMetaData field 8 (PAR1, plaintext footer)."""
    with open(path, 'rb') as f:
        data = f.read()
    magic = data[-4:].decode('latin-1')
    length = int.from_bytes(data[-8:-4], 'little')
    tail = CompactReader(data, len(data) - 8 - length).struct()
    union = tail.get(1) if magic == 'PARE' else tail.get(8)
    out = {'magic': magic, 'algorithm': None, 'aad_prefix': None, 'supply_aad_prefix': None}
    if union:
        (kind, params), = union.items()
        prefix = params.get(1)
        out.update(
            algorithm=ALGORITHM_NAMES.get(kind),
            aad_prefix=None if prefix is None else prefix.hex(),
            supply_aad_prefix=params.get(3),
        )
    return out


def read_facts(pf, path):
    md = pf.metadata
    table = pf.read()
    columns = {}
    for field in table.schema:
        arr = table.column(field.name).combine_chunks()
        columns[field.name] = {'arrow_type': str(field.type), 'values': array_to_json(arr)}
    return {
        'ok': True,
        'num_rows': md.num_rows,
        'num_row_groups': md.num_row_groups,
        'row_group_rows': [md.row_group(r).num_rows for r in range(md.num_row_groups)],
        'columns': columns,
        'chunks': chunk_facts(md),
        'modules': module_counts(path, md),
        'encryption': file_encryption(path),
    }


def job_read(job):
    result = read_facts(open_file(job['file'], job.get('key'), job.get('aad_prefix')), job['file'])
    result['id'] = job['id']
    return result


# --------------------------------------------------------------------------------------------- write


def arrow_type(spec):
    if isinstance(spec, str):
        return SCALARS[spec]
    if 'list' in spec:
        return pa.list_(pa.field('element', arrow_type(spec['list']), nullable=spec.get('element_nullable', True)))
    if 'struct' in spec:
        return pa.struct([pa.field(f['name'], arrow_type(f['type']), nullable=f['nullable']) for f in spec['struct']])
    if 'map' in spec:
        value = pa.field('value', arrow_type(spec['value']), nullable=spec['value_nullable'])
        return pa.map_(arrow_type(spec['map']), value)
    raise ValueError(f'unknown column type {spec!r}')


def python_value(value, spec):
    """JSON value -> the Python value pyarrow takes (int64 travel as decimal strings)."""
    if value is None:
        return None
    if isinstance(spec, str):
        if spec == 'int64':
            return int(value)
        if spec == 'double':
            return float(value)  # also 'NaN', 'Infinity', '-Infinity', as read_plain prints them
        return value
    if 'list' in spec:
        return [python_value(v, spec['list']) for v in value]
    if 'map' in spec:
        return [(python_value(k, spec['map']), python_value(v, spec['value'])) for k, v in value]
    return {f['name']: python_value(value.get(f['name']), f['type']) for f in spec['struct']}


def build_table(columns):
    fields, arrays = [], []
    for col in columns:
        typ = arrow_type(col['type'])
        fields.append(pa.field(col['name'], typ, nullable=col['nullable']))
        arrays.append(pa.array([python_value(v, col['type']) for v in col['values']], type=typ))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def job_write(job):
    props = pe.create_encryption_properties(
        unhex(job['key']),
        aad_prefix=unhex(job.get('aad_prefix')),
        store_aad_prefix=job.get('store_aad_prefix', True),
        encryption_algorithm=job['algorithm'],
        plaintext_footer=job['plaintext_footer'],
    )
    pq.write_table(build_table(job['columns']), job['file'], encryption_properties=props, **job.get('options', {}))
    try:
        self_read = read_facts(open_file(job['file'], job['key'], job.get('aad_prefix')), job['file'])
    except Exception as exc:  # noqa: BLE001 - reported, not raised: pyarrow may not read its own file (§9.1)
        self_read = failure(exc)
    return {'id': job['id'], 'ok': True, 'encryption': file_encryption(job['file']), 'self_read': self_read}


# ------------------------------------------------------------------------------------------- compare


CHUNK_KEYS = ('path', 'physical_type', 'has_column_index', 'has_offset_index', 'compression', 'num_values')

DICTIONARY_PAGE = 2  # parquet.thrift PageType


def first_page_type(data, offset):
    """PageType of the plaintext page header at `offset`, or None when it does not start with field 1.

    A compact-protocol PageHeader starts with field 1 (type, i32): the byte 0x15 (field delta 1, type
    i32) and a zigzag varint."""
    if offset is None or offset + 1 >= len(data) or data[offset] != 0x15:
        return None
    value, shift, pos = 0, 0, offset + 1
    while pos < len(data):
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        pos += 1
        if not byte & 0x80:
            return (value >> 1) ^ -(value & 1)
        shift += 7
    return None


def expected_dictionary_flag(orig, data):
    """Whether a rewrite of a plaintext chunk should declare a dictionary page (dictionary_page_offset set):
    whether its first page is one. The original's metadata may misstate it: a dictionary_page_offset of 0
    is a placeholder for "none" (dict-page-offset-zero.parquet), and old parquet-mr writers leave it unset
    although the chunk starts with a dictionary page at data_page_offset (hadoop_lz4_compressed,
    nested_lists.snappy, nullable.impala). A rewriter that walks the pages states the real layout."""
    offset = orig['dictionary_page_offset']
    start = offset if offset is not None and offset > 0 else orig['data_page_offset']
    page_type = first_page_type(data, start)
    return orig['has_dictionary_page'] if page_type is None else page_type == DICTIONARY_PAGE


def encodings_difference(orig, cand):
    """None when the candidate lists the original's encodings, plus at most RLE: pme re-frames DATA_PAGE_V2
    pages with levels as DATA_PAGE (V1) when it encrypts them (pme-reference §5, architecture.md), and V1
    levels are RLE-encoded."""
    o, c = set(orig['encodings']), set(cand['encodings'])
    if o <= c and c - o <= {'RLE'}:
        return None
    return f'original {sorted(o)}, candidate {sorted(c)}'


def same_value(a, b):
    """Deep equality of to_pylist() values, for columns Arrow's equals() rejects: NaN equals NaN."""
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if type(a) is not type(b):
        return False
    if hasattr(a, 'dtype') and a != a and b != b:  # numpy float16 NaN (halffloat to_pylist)
        return True
    return a == b


def column_differences(name, a, b):
    if a.equals(b):
        return []
    va, vb = a.to_pylist(), b.to_pylist()
    if len(va) != len(vb):
        return [f'column {name}: {len(va)} values in the original, {len(vb)} in the candidate']
    for k, (x, y) in enumerate(zip(va, vb)):
        if not same_value(x, y):
            return [f'column {name} row {k}: original {x!r}, candidate {y!r}']
    return []


def table_differences(orig_path, orig_pf, orig_table, cand_pf, cand_table, redacted_statistics):
    diffs = []
    if not orig_table.schema.equals(cand_table.schema, check_metadata=True):
        diffs.append(f'arrow schema differs: original {orig_table.schema!r}, candidate {cand_table.schema!r}')
        return diffs
    for name in orig_table.column_names:
        diffs += column_differences(name, orig_table.column(name), cand_table.column(name))
    om, cm = orig_pf.metadata, cand_pf.metadata
    o_rows = [om.row_group(r).num_rows for r in range(om.num_row_groups)]
    c_rows = [cm.row_group(r).num_rows for r in range(cm.num_row_groups)]
    if o_rows != c_rows:
        diffs.append(f'row groups differ: original {o_rows}, candidate {c_rows}')
        return diffs
    with open(orig_path, 'rb') as f:
        orig_bytes = f.read()
    for r, (o_cols, c_cols) in enumerate(zip(chunk_facts(om), chunk_facts(cm))):
        for o, c in zip(o_cols, c_cols):
            where = f'row group {r} column {o["path"]}'
            for key in CHUNK_KEYS:
                if o[key] != c[key]:
                    diffs.append(f'{where} {key}: original {o[key]!r}, candidate {c[key]!r}')
            if c['has_dictionary_page'] != expected_dictionary_flag(o, orig_bytes):
                diffs.append(
                    f'{where} has_dictionary_page: candidate {c["has_dictionary_page"]}, original '
                    f'{o["has_dictionary_page"]} (dictionary_page_offset {o["dictionary_page_offset"]}, encodings {o["encodings"]})'
                )
            encodings = encodings_difference(o, c)
            if encodings:
                diffs.append(f'{where} encodings: {encodings}')
            if redacted_statistics:
                if c['statistics'] is not None:
                    diffs.append(f'row group {r} column {o["path"]}: statistics readable in the plaintext footer: {c["statistics"]!r}')
            elif o['statistics'] != c['statistics']:
                diffs.append(f'row group {r} column {o["path"]} statistics: original {o["statistics"]!r}, candidate {c["statistics"]!r}')
    return diffs


def checksum_outcome(path, props=None):
    """None when pyarrow verified every page CRC (pages without one pass), else the error's first line."""
    try:
        pq.ParquetFile(path, decryption_properties=props, page_checksum_verification=True).read()
        return None
    except Exception as exc:  # noqa: BLE001
        return failure(exc)['error']


_originals = {}
_original_checksums = {}


def read_original(path):
    """(ParquetFile, Table) or the exception, cached: several candidates share one original."""
    if path not in _originals:
        try:
            pf = pq.ParquetFile(path)
            _originals[path] = (pf, pf.read())
        except Exception as exc:  # noqa: BLE001
            _originals[path] = exc
    return _originals[path]


def compare_files(job, candidate_properties):
    """The "compare" job with the candidate opened by candidate_properties(): a callable, as pyarrow does
    not let one set of decryption properties open two files."""
    result = {'id': job['id'], 'ok': True, 'differences': []}
    original = read_original(job['original'])
    try:
        cand_pf = pq.ParquetFile(job['candidate'], decryption_properties=candidate_properties())
        cand_table = cand_pf.read()
        result['candidate'] = {
            'ok': True,
            'num_rows': cand_table.num_rows,
            'encryption': file_encryption(job['candidate']),
        }
    except Exception as exc:  # noqa: BLE001
        result['candidate'] = failure(exc)
        cand_pf = cand_table = None
    if isinstance(original, Exception):
        result['original'] = failure(original)
        cand = result['candidate']
        result['same_error'] = not cand['ok'] and cand['error'] == result['original']['error']
        return result
    orig_pf, orig_table = original
    result['original'] = {'ok': True, 'num_rows': orig_table.num_rows}
    if cand_table is not None:
        result['differences'] = table_differences(
            job['original'], orig_pf, orig_table, cand_pf, cand_table, job.get('redacted_statistics', False)
        )
    if job.get('checksums'):
        if job['original'] not in _original_checksums:
            _original_checksums[job['original']] = checksum_outcome(job['original'])
        result['checksums'] = {
            'original': _original_checksums[job['original']],
            'candidate': checksum_outcome(job['candidate'], candidate_properties()),
        }
    return result


def job_compare(job):
    return compare_files(job, lambda: decryption_properties(job.get('key'), job.get('aad_prefix')))


def job_leaves(job):
    schema = pq.ParquetFile(job['file']).schema
    return {'id': job['id'], 'ok': True, 'leaves': [schema.column(i).path for i in range(len(schema))]}


# ---------------------------------------------------------------------------------------------- main

OPS = {'read': job_read, 'write': job_write, 'compare': job_compare, 'leaves': job_leaves}


def main():
    jobs = json.load(sys.stdin)
    results = []
    for job in jobs:
        try:
            results.append(OPS[job['op']](job))
        except Exception as exc:  # noqa: BLE001 - one failing job must not hide the others
            results.append({'id': job.get('id'), **failure(exc)})
    json.dump({'pyarrow_version': pa.__version__, 'results': results}, sys.stdout, separators=(',', ':'), allow_nan=False)
    sys.stdout.write('\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
