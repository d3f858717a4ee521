#!/usr/bin/env python3
"""Interop check with a real Arrow C++ Flight client (pyarrow.flight).

Not part of the CI suite (Debian bookworm has no pyarrow); run where pyarrow
is available:  tests/interop/run_pyarrow.sh <build dir>
Expects servers on the ports given: store, tasks, perf examples.
Prints one line per check and a closing "N passed, N failed"."""
import json
import sys
import time
import decimal
import datetime

import pyarrow as pa
import pyarrow.flight as fl

store_port, tasks_port, perf_port = (int(p) for p in sys.argv[1:4])
passed = failed = 0


def check(name, fn):
    global passed, failed
    try:
        detail = fn()
        passed += 1
        print(f"ok   {name}" + (f": {detail}" if detail else ""), flush=True)
    except Exception as e:  # noqa: BLE001
        failed += 1
        print(f"FAIL {name}: {type(e).__name__}: {e}", flush=True)


def multi_type_table():
    n = 7
    return pa.table({
        "i8": pa.array([1, -2, None, 4, 5, 6, 7], pa.int8()),
        "u64": pa.array([0, 2**64 - 1, 3, None, 5, 6, 7], pa.uint64()),
        "f16": pa.array([1.5, None, 2.0, 3.0, 4.0, 5.0, 6.0], pa.float16()),
        "f64": pa.array([0.5 * i for i in range(n)], pa.float64()),
        "b": pa.array([True, False, None, True, True, False, True]),
        "s": pa.array(["a", "ž", None, "", "long string " * 3, "x", "y"]),
        "ls": pa.array(["A", None, "C", "D", "E", "F", "G"], pa.large_string()),
        "sv": pa.array(["short", "a much longer view string", None, "x", "y", "z", "w"], pa.string_view()),
        "bin": pa.array([b"\x00\x01", None, b"", b"x", b"y", b"z", b"w"], pa.binary()),
        "fsb": pa.array([b"abcd"] * n, pa.binary(4)),
        "d32": pa.array([1, 2, None, 4, 5, 6, 7], pa.date32()),
        "t64": pa.array([1, 2, 3, None, 5, 6, 7], pa.time64("ns")),
        "ts": pa.array([0, 1, 2, 3, None, 5, 6], pa.timestamp("us", tz="Europe/Prague")),
        "dur": pa.array([1, 2, 3, 4, 5, None, 7], pa.duration("ms")),
        "mdn": pa.array([pa.scalar((1, 2, 3), pa.month_day_nano_interval()).as_py()] * n, pa.month_day_nano_interval()),
        "dec": pa.array([decimal.Decimal("1.25"), None, decimal.Decimal("-3.50"), decimal.Decimal("0"),
                         decimal.Decimal("9.99"), decimal.Decimal("1"), decimal.Decimal("2")], pa.decimal128(10, 2)),
        "dec256": pa.array([decimal.Decimal("12345678901234567890.5")] * n, pa.decimal256(40, 1)),
        "lst": pa.array([[1, 2], [], None, [3], [4, 5, 6], [7], [8]], pa.list_(pa.int32())),
        "llst": pa.array([[1], [2, 3], [], None, [4], [5], [6]], pa.large_list(pa.int64())),
        "fsl": pa.array([[1, 2]] * n, pa.list_(pa.int16(), 2)),
        "st": pa.array([{"x": i, "y": str(i)} for i in range(n)], pa.struct([("x", pa.int32()), ("y", pa.string())])),
        "mp": pa.array([[("k", 1)], [], None, [("a", 2), ("b", 3)], [("c", 4)], [("d", 5)], [("e", 6)]],
                       pa.map_(pa.string(), pa.int64())),
        "dict": pa.array(["red", "green", "red", None, "blue", "green", "red"]).dictionary_encode(),
        "ree": pa.RunEndEncodedArray.from_arrays(pa.array([2, 5, 7], pa.int32()), pa.array([1, None, 3], pa.int64())),
        "un": pa.UnionArray.from_dense(pa.array([0, 1, 0, 1, 0, 1, 0], pa.int8()),
                                       pa.array([0, 0, 1, 1, 2, 2, 3], pa.int32()),
                                       [pa.array([1, 2, 3, 4], pa.int64()), pa.array(["a", "b", "c"])]),
    }).replace_schema_metadata({"origin": "pyarrow-interop"})


def store_roundtrip():
    c = fl.connect(f"grpc://127.0.0.1:{store_port}")
    table = multi_type_table()
    batches = table.to_batches(max_chunksize=3)
    desc = fl.FlightDescriptor.for_path("interop", "multi")
    writer, reader = c.do_put(desc, table.schema)
    for i, b in enumerate(batches):
        writer.write_with_metadata(b, str(i).encode())
        ack = reader.read()
        assert ack is not None and ack.to_pybytes() == str(i).encode(), f"ack {i}: {ack}"
    writer.close()
    info = c.get_flight_info(desc)
    assert info.total_records == table.num_rows, info.total_records
    assert info.schema.equals(table.schema, check_metadata=True), (info.schema, table.schema)
    ep = info.endpoints[0]
    loc = ep.locations[0]
    assert str(loc.uri, "utf-8") if isinstance(loc.uri, bytes) else loc.uri
    r = c.do_get(ep.ticket)
    got, metas = [], []
    while True:
        try:
            chunk = r.read_chunk()
        except StopIteration:
            break
        got.append(chunk.data)
        metas.append(chunk.app_metadata.to_pybytes() if chunk.app_metadata is not None else None)
    out = pa.Table.from_batches(got, schema=table.schema)
    assert out.equals(table, check_metadata=True), "table differs"
    assert metas == [str(i).encode() for i in range(len(batches))], metas
    return f"{table.num_columns} columns, {len(batches)} batches equal, app_metadata {metas}"


def store_other_methods():
    c = fl.connect(f"grpc://127.0.0.1:{store_port}")
    flights = list(c.list_flights())
    assert any(f.descriptor.path == [b"interop/multi"] or f.descriptor.path == [b"interop", b"multi"] for f in flights) or flights, flights
    actions = [a.type for a in c.list_actions()]
    assert "drop" in actions, actions
    schema = c.get_schema(fl.FlightDescriptor.for_path("interop", "multi")).schema
    assert schema.names[0] == "i8"
    try:
        c.get_flight_info(fl.FlightDescriptor.for_path("no", "such"))
        raise AssertionError("expected an error")
    except KeyError as e:
        nf = f"NOT_FOUND -> {type(e).__name__}"
    list(c.do_action(fl.Action("drop", b"interop/multi")))
    try:
        c.do_exchange(fl.FlightDescriptor.for_command(b"x"))[1].read_all()
        raise AssertionError("expected an error")
    except pa.ArrowNotImplementedError:
        pass
    return f"{len(flights)} flights, actions {actions}, {nf}, UNIMPLEMENTED -> ArrowNotImplementedError"


def empty_and_big():
    c = fl.connect(f"grpc://127.0.0.1:{store_port}")
    schema = pa.schema([("a", pa.int64())])
    w, _ = c.do_put(fl.FlightDescriptor.for_path("empty"), schema)
    w.close()
    t = c.do_get(fl.Ticket(b"empty")).read_all()
    assert t.num_rows == 0 and t.schema.equals(schema)
    big = pa.table({"a": pa.array(range(3_000_000), pa.int64()), "b": pa.array(range(3_000_000), pa.float64())})
    w, r = c.do_put(fl.FlightDescriptor.for_path("big"), big.schema)
    w.write_table(big, max_chunksize=1_000_000)
    w.close()
    got = c.do_get(fl.Ticket(b"big")).read_all()
    assert got.equals(big)
    return "schema-only stream and 48 MB table (16 MB batches, sliced by the server) equal"


def tasks_flow():
    c = fl.connect(f"grpc://127.0.0.1:{tasks_port}")
    info = c.get_flight_info(fl.FlightDescriptor.for_command(b'{"rows":5,"delay_ms":10}'))
    t = c.do_get(info.endpoints[0].ticket).read_all()
    assert t.num_rows == 5, t.num_rows
    info = c.get_flight_info(fl.FlightDescriptor.for_command(b'{"rows":5,"fail":true}'))
    try:
        c.do_get(info.endpoints[0].ticket).read_all()
        raise AssertionError("expected failure")
    except fl.FlightError as e:
        ei = json.loads(e.extra_info)
        cls = type(e).__name__
        assert ei["code"] == 5, ei
    try:
        c.do_get(fl.Ticket(b"0" * 32)).read_all()
        raise AssertionError("expected INVALID_TICKET")
    except fl.FlightServerError as e:
        ei2 = json.loads(e.extra_info)
        msg = e2msg(e)
        assert ei2["code"] == 4, ei2
    return f"data ok; failed task -> {cls} extra_info code {ei['code']}; unknown ticket -> FlightServerError code 4 ({msg})"


def e2msg(e):
    return str(e).split(". Detail")[0][:60]


def perf_doget():
    c = fl.connect(f"grpc://127.0.0.1:{perf_port}")
    # the Arrow C++ perf protocol: perf.Perf{schema, stream_count, records_per_stream, records_per_batch}
    def varint(v):
        out = b""
        while True:
            b = v & 0x7F
            v >>= 7
            out += bytes([b | (0x80 if v else 0)])
            if not v:
                return out
    rows, per_batch = 20_000_000, 65536
    cmd = b"\x10" + varint(1) + b"\x18" + varint(rows) + b"\x20" + varint(per_batch)
    list(c.do_action(fl.Action("ping", b"")))
    info = c.get_flight_info(fl.FlightDescriptor.for_command(cmd))
    assert info.total_records == rows, info.total_records
    t0 = time.perf_counter()
    n = 0
    r = c.do_get(info.endpoints[0].ticket)
    for chunk in r:
        n += chunk.data.num_rows
    dt = time.perf_counter() - t0
    assert n == rows, n
    return f"{rows * 32 / dt / 1e9:.2f} GB/s DoGet (pyarrow client, 4 x int64, {per_batch}-row batches)"


check("store: DoPut multi-type table with per-batch acks, GetFlightInfo, DoGet equal", store_roundtrip)
check("store: ListFlights, ListActions, GetSchema, NOT_FOUND, DoAction drop, UNIMPLEMENTED", store_other_methods)
check("store: schema-only DoGet and a large table", empty_and_big)
check("tasks: data, failed task ErrorInfo, INVALID_TICKET", tasks_flow)
check("perf: Arrow C++ perf protocol DoGet throughput", perf_doget)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
