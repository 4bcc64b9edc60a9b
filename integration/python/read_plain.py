#!/usr/bin/env python3
"""Read a plaintext Parquet file with pyarrow and print a JSON description of it.

Usage: read_plain.py <file.parquet>

Output (one JSON object on stdout):
  {
    "pyarrow_version": "25.0.1",
    "num_rows": 50,                       # from the footer
    "table_num_rows": 50,                 # rows actually decoded
    "num_row_groups": 1,
    "columns": {                          # keyed by top-level field name, in schema order
      "<name>": {"arrow_type": "...", "values": [...]}
    },
    "int96": {                            # only for INT96 columns
      "<name>": {"ns": [...], "words": [[w0, w1, w2], ...]}
    },
    "row_groups": [
      {"num_rows": 50, "columns": [
        {"path": "a.b", "physical_type": "INT32", "compression": "SNAPPY",
         "has_column_index": true, "has_offset_index": true,
         "statistics": null | {"has_min_max": true, "min": ..., "max": ..., "null_count": 0}}
      ]}
    ]
  }

JSON-safety rules for values:
  * 64-bit integers (int64/uint64, timestamps, time64, durations) are decimal strings;
  * binary and fixed-size binary are lowercase hex strings;
  * floats are JSON numbers (Python's repr round-trips exactly), except NaN/Infinity,
    which become the strings "NaN", "Infinity", "-Infinity";
  * time32 / date32 are plain integers of their storage unit;
  * lists are JSON arrays, maps arrays of [key, value] pairs in stored order, nulls are null.

INT96: pyarrow has no API to read INT96 as its raw 12 bytes, so INT96 columns are read as
timestamps with coerce_int96_timestamp_unit='ns'. Arrow computes
(julian_day - 2440588) * 86400e9 + nanos_of_day in unsigned 64-bit arithmetic, so the
ns value wraps modulo 2^64 for dates far from 1970; "columns" carries that int64 value as
pyarrow returns it. "int96.<name>.ns" is the true (unwrapped) nanosecond value, recovered
with a second read in unit 's' (exact, no overflow) and "int96.<name>.words" the
[nanos_lo, nanos_hi, julian_day] words derived from it, assuming nanos_of_day < 1 day
(always true for normalized INT96 values).
"""

import json
import math
import sys

import pyarrow as pa
import pyarrow.parquet as pq

NS_PER_DAY = 86_400 * 1_000_000_000
JULIAN_UNIX_EPOCH_DAY = 2_440_588
U64 = 1 << 64


def json_float(x):
    if x is None:
        return None
    if math.isnan(x):
        return 'NaN'
    if math.isinf(x):
        return 'Infinity' if x > 0 else '-Infinity'
    return x


def storage_int_view(arr, typ):
    """Reinterpret a temporal array as its integer storage."""
    width = typ.bit_width
    return arr.view(pa.int64() if width == 64 else pa.int32())


def array_to_json(arr):
    typ = arr.type
    if pa.types.is_null(typ):
        return [None] * len(arr)
    if pa.types.is_boolean(typ):
        return arr.to_pylist()
    if pa.types.is_integer(typ):
        if typ.bit_width == 64:
            return [None if v is None else str(v) for v in arr.to_pylist()]
        return arr.to_pylist()
    if pa.types.is_floating(typ):
        return [json_float(v) for v in arr.to_pylist()]
    if pa.types.is_timestamp(typ) or pa.types.is_time64(typ) or pa.types.is_duration(typ) or pa.types.is_date64(typ):
        return [None if v is None else str(v) for v in storage_int_view(arr, typ).to_pylist()]
    if pa.types.is_time32(typ) or pa.types.is_date32(typ):
        return storage_int_view(arr, typ).to_pylist()
    if pa.types.is_binary(typ) or pa.types.is_large_binary(typ) or pa.types.is_fixed_size_binary(typ) or pa.types.is_binary_view(typ):
        return [None if v is None else v.hex() for v in arr.to_pylist()]
    if pa.types.is_string(typ) or pa.types.is_large_string(typ) or pa.types.is_string_view(typ):
        return arr.to_pylist()
    if pa.types.is_decimal(typ):
        return [None if v is None else str(v) for v in arr.to_pylist()]
    if pa.types.is_map(typ):
        keys, items = array_to_json(arr.keys), array_to_json(arr.items)
        offsets = arr.offsets.to_pylist()
        return [
            None if not arr[k].is_valid else [[keys[j], items[j]] for j in range(offsets[k], offsets[k + 1])]
            for k in range(len(arr))
        ]
    if pa.types.is_list(typ) or pa.types.is_large_list(typ) or pa.types.is_fixed_size_list(typ) or pa.types.is_list_view(typ):
        flat = array_to_json(arr.values)
        out = []
        offsets = arr.offsets.to_pylist() if not pa.types.is_fixed_size_list(typ) else None
        for k in range(len(arr)):
            if not arr[k].is_valid:
                out.append(None)
            elif offsets is not None:
                out.append(flat[offsets[k] : offsets[k + 1]])
            else:
                size = typ.list_size
                start = (arr.offset + k) * size
                out.append(flat[start : start + size])
        return out
    if pa.types.is_struct(typ):
        fields = {typ.field(f).name: array_to_json(arr.field(f)) for f in range(typ.num_fields)}
        return [
            None if not arr[k].is_valid else {name: vals[k] for name, vals in fields.items()} for k in range(len(arr))
        ]
    if pa.types.is_dictionary(typ):
        return array_to_json(arr.cast(typ.value_type))
    raise TypeError(f'unsupported arrow type {typ}')


def stat_value(v):
    if v is None:
        return None
    if isinstance(v, (bytes, bytearray)):
        return bytes(v).hex()
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return v if -(2**53) < v < 2**53 else str(v)
    if isinstance(v, float):
        return json_float(v)
    return str(v)


def statistics_json(col):
    if not col.is_stats_set:
        return None
    st = col.statistics
    if st is None:
        return None
    out = {
        'has_min_max': bool(st.has_min_max),
        'min': None,
        'max': None,
        'null_count': st.null_count if st.has_null_count else None,
    }
    if st.has_min_max:
        # *_raw: the physical (unconverted) value, e.g. an int for INT32 TIME_MILLIS
        out['min'] = stat_value(st.min_raw)
        out['max'] = stat_value(st.max_raw)
    return out


def int96_details(path, names):
    """Unwrapped ns values and [lo, hi, julian_day] words of INT96 columns."""
    if not names:
        return {}
    ns_table = pq.read_table(path, columns=names, coerce_int96_timestamp_unit='ns')
    s_table = pq.read_table(path, columns=names, coerce_int96_timestamp_unit='s')
    out = {}
    for name in names:
        wrapped = ns_table.column(name).combine_chunks().view(pa.int64()).to_pylist()
        secs = s_table.column(name).combine_chunks().view(pa.int64()).to_pylist()
        ns_vals, words = [], []
        for w, s in zip(wrapped, secs):
            if w is None:
                ns_vals.append(None)
                words.append(None)
                continue
            base = s * 1_000_000_000
            true_ns = base + ((w - base) % U64)  # 0 <= true_ns - base < 1e9 < 2^64
            day, nanos = divmod(true_ns, NS_PER_DAY)
            julian = day + JULIAN_UNIX_EPOCH_DAY
            ns_vals.append(str(true_ns))
            words.append([nanos & 0xFFFFFFFF, nanos >> 32, julian & 0xFFFFFFFF])
        out[name] = {'ns': ns_vals, 'words': words}
    return out


def main(argv):
    if len(argv) != 2:
        print('usage: read_plain.py <file.parquet>', file=sys.stderr)
        return 2
    path = argv[1]
    pf = pq.ParquetFile(path, coerce_int96_timestamp_unit='ns')
    md = pf.metadata
    table = pf.read()

    columns = {}
    for field in table.schema:
        arr = table.column(field.name).combine_chunks()
        columns[field.name] = {'arrow_type': str(field.type), 'values': array_to_json(arr)}

    int96_top_level = []
    for k in range(md.num_columns):
        sc = md.schema.column(k)
        if sc.physical_type == 'INT96' and '.' not in sc.path:
            int96_top_level.append(sc.path)

    row_groups = []
    for r in range(md.num_row_groups):
        rg = md.row_group(r)
        cols = []
        for c in range(rg.num_columns):
            col = rg.column(c)
            cols.append(
                {
                    'path': col.path_in_schema,
                    'physical_type': col.physical_type,
                    'compression': col.compression,
                    'num_values': col.num_values,
                    'has_column_index': bool(col.has_column_index),
                    'has_offset_index': bool(col.has_offset_index),
                    'statistics': statistics_json(col),
                }
            )
        row_groups.append({'num_rows': rg.num_rows, 'columns': cols})

    result = {
        'pyarrow_version': pa.__version__,
        'num_rows': md.num_rows,
        'table_num_rows': table.num_rows,
        'num_row_groups': md.num_row_groups,
        'columns': columns,
        'int96': int96_details(path, int96_top_level),
        'row_groups': row_groups,
    }
    json.dump(result, sys.stdout, separators=(',', ':'), allow_nan=False)
    sys.stdout.write('\n')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
