// Test data: a multi-type apache-arrow Table (every common column type, with
// nulls, several record batches, one shared dictionary) used by the Node
// Flight tests. Deterministic; runs in the node test process.
import * as A from 'apache-arrow';

const DICT = new A.Dictionary(new A.Utf8(), new A.Int32(), 0);

function columns(off, n) {
  const idx = [...Array(n).keys()].map((i) => i + off);
  const nul = (i, v) => (i % 5 === 3 ? null : v);
  const mk = (t, f) => A.vectorFromArray(idx.map((i) => nul(i, f(i))), t);
  return {
    i8: mk(new A.Int8(), (i) => (i % 100) - 50),
    i16: mk(new A.Int16(), (i) => i * 3 - 1000),
    i32: mk(new A.Int32(), (i) => i * 100000),
    i64: mk(new A.Int64(), (i) => BigInt(i) * 10000000000n),
    u8: mk(new A.Uint8(), (i) => i % 250),
    u16: mk(new A.Uint16(), (i) => i * 7),
    u32: mk(new A.Uint32(), (i) => i * 1000003),
    u64: mk(new A.Uint64(), (i) => BigInt(i) * 1234567891011n),
    f32: mk(new A.Float32(), (i) => i / 4),
    f64: mk(new A.Float64(), (i) => i * 1.5e10),
    b: mk(new A.Bool(), (i) => i % 2 === 0),
    s: mk(new A.Utf8(), (i) => `str-${i}-é`),
    bin: mk(new A.Binary(), (i) => Uint8Array.from([i & 255, 0, 7])),
    d: mk(new A.DateDay(), (i) => new Date(Date.UTC(2020, 0, 1 + i))),
    ts: mk(new A.TimestampMicrosecond('UTC'), (i) => 1700000000000 + i),
    dec: mk(new A.Decimal(2, 20, 128), (i) => Uint32Array.from([i * 12345, 0, 0, 0])),
    l: mk(new A.List(new A.Field('item', new A.Int32(), true)), (i) => [i, i + 1, i + 2].slice(0, i % 4)),
    st: mk(new A.Struct([new A.Field('x', new A.Int32(), true), new A.Field('y', new A.Utf8(), true)]),
      (i) => ({ x: i, y: `y${i}` })),
    dict: mk(DICT, (i) => ['red', 'green', 'blue'][i % 3]),
  };
}

function batchOf(cols) {
  return new A.RecordBatch(Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, v.data[0]])));
}

/** A table of `nBatches` batches of `rows` rows each (the last one `rows - 1`). */
export function multiTypeTable(nBatches = 3, rows = 10) {
  const batches = [];
  let off = 0;
  for (let b = 0; b < nBatches; b++) {
    const n = b === nBatches - 1 && nBatches > 1 ? rows - 1 : rows;
    batches.push(batchOf(columns(off, n)));
    off += n;
  }
  return new A.Table(batches);
}

/** A simple int64/utf8 table of `rows` rows in batches of `perBatch`. */
export function simpleTable(rows, perBatch = 1000) {
  const batches = [];
  for (let off = 0; off < rows; off += perBatch) {
    const n = Math.min(perBatch, rows - off);
    const ids = [...Array(n).keys()].map((i) => BigInt(off + i));
    batches.push(batchOf({
      id: A.vectorFromArray(ids, new A.Int64()),
      name: A.vectorFromArray(ids.map((i) => `row-${i}`), new A.Utf8()),
    }));
  }
  return new A.Table(batches);
}
