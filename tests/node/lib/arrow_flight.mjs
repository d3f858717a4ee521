// Test harness: converts between apache-arrow Tables and Flight FlightData
// messages. FlightData -> Table rebuilds an IPC stream (continuation marker,
// length, padded flatbuffer, body; EOS) and reads it with apache-arrow;
// Table -> FlightData writes an IPC stream with apache-arrow and splits it into
// messages, reading the type and bodyLength from each Message flatbuffer.
// Runs in the node test process.
import { tableFromIPC, tableToIPC, RecordBatchReader } from 'apache-arrow';

export const MSG_NONE = 0;
export const MSG_SCHEMA = 1;
export const MSG_DICTIONARY = 2;
export const MSG_RECORD_BATCH = 3;

/** Reads {type, bodyLength} from a flatbuffer Message (Message.fbs fields 1 and 3). */
export function peekMessage(fb) {
  const buf = Buffer.from(fb.buffer, fb.byteOffset, fb.byteLength);
  if (buf.length < 8) throw new Error(`Message flatbuffer too short (${buf.length} bytes)`);
  const table = buf.readUInt32LE(0);
  const vtable = table - buf.readInt32LE(table);
  const vtSize = buf.readUInt16LE(vtable);
  const field = (i) => (4 + 2 * i < vtSize ? buf.readUInt16LE(vtable + 4 + 2 * i) : 0);
  const typeOff = field(1);
  const bodyOff = field(3);
  return {
    type: typeOff ? buf.readUInt8(table + typeOff) : MSG_NONE,
    bodyLength: bodyOff ? Number(buf.readBigInt64LE(table + bodyOff)) : 0,
  };
}

const pad8 = (n) => (n + 7) & ~7;

/** One IPC stream message (continuation, length, padded header, body). */
function encapsulate(header, body) {
  const hlen = pad8(header.length);
  const pre = Buffer.alloc(8 + hlen);
  pre.writeUInt32LE(0xffffffff, 0);
  pre.writeInt32LE(hlen, 4);
  Buffer.from(header).copy(pre, 8);
  const parts = [pre];
  if (body && body.length) {
    parts.push(Buffer.from(body));
    const p = pad8(body.length) - body.length;
    if (p) parts.push(Buffer.alloc(p));
  }
  return parts;
}

/**
 * FlightData[] -> { table, schemaOnly, appMetadata: (Buffer|null)[] per record batch,
 *                   metadataOnly: Buffer[], types: number[] }.
 */
export function flightDataToTable(messages) {
  const parts = [];
  const appMetadata = [];
  const metadataOnly = [];
  const types = [];
  for (const m of messages) {
    const header = m.data_header;
    if (!header || header.length === 0) {
      metadataOnly.push(Buffer.from(m.app_metadata || []));
      continue;
    }
    const { type, bodyLength } = peekMessage(header);
    types.push(type);
    const body = m.data_body || Buffer.alloc(0);
    if (body.length !== bodyLength) {
      throw new Error(`data_body is ${body.length} bytes, Message.bodyLength says ${bodyLength}`);
    }
    if (type === MSG_RECORD_BATCH) {
      appMetadata.push(m.app_metadata && m.app_metadata.length ? Buffer.from(m.app_metadata) : null);
    }
    parts.push(...encapsulate(header, body));
  }
  const eos = Buffer.alloc(8);
  eos.writeUInt32LE(0xffffffff, 0);
  parts.push(eos);
  const bytes = Buffer.concat(parts);
  const table = tableFromIPC(bytes);
  return { table, bytes, appMetadata, metadataOnly, types };
}

/** Splits an IPC stream (Uint8Array) into [{type, header, body}]. */
export function splitIpcStream(ipc) {
  const buf = Buffer.from(ipc.buffer, ipc.byteOffset, ipc.byteLength);
  const out = [];
  let pos = 0;
  while (pos + 4 <= buf.length) {
    let len = buf.readInt32LE(pos);
    pos += 4;
    if (len === -1) { len = buf.readInt32LE(pos); pos += 4; }
    if (len === 0) break; // EOS
    const header = buf.subarray(pos, pos + len);
    pos += len;
    const { type, bodyLength } = peekMessage(header);
    const body = buf.subarray(pos, pos + bodyLength);
    pos += bodyLength;
    out.push({ type, header: Buffer.from(header), body: Buffer.from(body) });
  }
  return out;
}

/**
 * Table -> groups of FlightData for an upload: [schemaGroup, batchGroup0, ...]
 * where each batch group holds the dictionary messages it needs followed by
 * the record batch. opts.descriptor is put on the first message;
 * opts.appMetadata(i) gives the app_metadata of record batch i (Buffer|null).
 */
export function tableToFlightGroups(table, opts = {}) {
  const msgs = splitIpcStream(tableToIPC(table, 'stream'));
  const groups = [[]];
  let cur = groups[0];
  let batch = 0;
  let first = true;
  for (const m of msgs) {
    const fd = { data_header: m.header };
    if (m.type !== MSG_SCHEMA) fd.data_body = m.body;
    if (first && opts.descriptor) fd.flight_descriptor = opts.descriptor;
    first = false;
    if (m.type === MSG_SCHEMA) { cur.push(fd); cur = null; continue; }
    if (!cur) { cur = []; groups.push(cur); }
    if (m.type === MSG_RECORD_BATCH) {
      const md = opts.appMetadata ? opts.appMetadata(batch) : null;
      if (md && md.length) fd.app_metadata = Buffer.from(md);
      batch++;
      cur.push(fd);
      cur = null;
    } else {
      cur.push(fd);
    }
  }
  return groups;
}

/** Table -> flat FlightData[]. */
export function tableToFlightData(table, opts = {}) {
  return tableToFlightGroups(table, opts).flat();
}

/** Schema-only IPC bytes (FlightInfo.schema / SchemaResult.schema) -> arrow Schema. */
export function schemaFromBytes(bytes) {
  const buf = Buffer.from(bytes);
  const eos = Buffer.alloc(8);
  eos.writeUInt32LE(0xffffffff, 0);
  const reader = RecordBatchReader.from(Buffer.concat([buf, eos]));
  reader.open();
  return reader.schema;
}

/** Row-wise plain JS values of a table (for deep comparisons). */
export function tableRows(table) {
  const rows = [];
  for (let i = 0; i < table.numRows; i++) {
    const r = table.get(i);
    rows.push(normalize(r ? r.toJSON() : null));
  }
  return rows;
}

function normalize(v) {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Uint8Array) return `bytes:${Buffer.from(v).toString('hex')}`;
  if (ArrayBuffer.isView(v)) return Array.from(v, normalize);
  if (Array.isArray(v)) return v.map(normalize);
  if (typeof v === 'object') {
    if (typeof v.toJSON === 'function' && v.constructor && v.constructor.name !== 'Object') {
      return normalize(v.toJSON());
    }
    if (typeof v.toArray === 'function') return normalize(v.toArray());
    const o = {};
    for (const k of Object.keys(v)) o[k] = normalize(v[k]);
    return o;
  }
  return v;
}
