/**
 * The safetensors file format (https://github.com/huggingface/safetensors), as bytes: no tensors
 * here, only names, dtypes, shapes and raw little-endian data.
 *
 * Layout: an 8-byte little-endian unsigned header length N, then N bytes of UTF-8 JSON
 *
 *     {"<name>": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...,
 *      "__metadata__": {"<key>": "<string value>", ...}}
 *
 * then the data section. `data_offsets` are byte offsets into the data section (not the file);
 * the tensors' byte ranges must not overlap and must cover the data section with no holes.
 *
 * {@link decodeSafetensors} is written for untrusted files: it checks all of the above, throws a
 * {@link SafetensorsError} naming the problem (and the tensor) for any violation, and never
 * allocates more than the file's size (tensor data are views into the input).
 */
import { SafetensorsError } from './errors.js';

/** The element types of the safetensors format, with their size in bytes. */
export const SAFETENSORS_DTYPES = {
  /** Boolean, one byte (0 or 1); loads as bool. */
  BOOL: 1,
  /** Unsigned 8-bit integer; loads as int32. */
  U8: 1,
  /** Signed 8-bit integer; loads as int32. */
  I8: 1,
  /** 8-bit float, 5 exponent and 2 mantissa bits; recognised but not loadable. */
  F8_E5M2: 1,
  /** 8-bit float, 4 exponent and 3 mantissa bits; recognised but not loadable. */
  F8_E4M3: 1,
  /** Signed 16-bit integer; loads as int32. */
  I16: 2,
  /** Unsigned 16-bit integer; loads as int32. */
  U16: 2,
  /** IEEE half precision; loads exactly as float32. */
  F16: 2,
  /** bfloat16; loads exactly as float32. */
  BF16: 2,
  /** Signed 32-bit integer: int32. */
  I32: 4,
  /** Unsigned 32-bit integer; loads as int32 when in range. */
  U32: 4,
  /** float32. */
  F32: 4,
  /** float64. */
  F64: 8,
  /** Signed 64-bit integer; loads as int32 when in range. */
  I64: 8,
  /** Unsigned 64-bit integer; loads as int32 when in range. */
  U64: 8,
} as const satisfies Record<string, number>;

/** A safetensors dtype name, as written in the header (`F32`, `BF16`, `I64`...). */
export type SafetensorsDType = keyof typeof SAFETENSORS_DTYPES;

/** One tensor of a safetensors file: dtype, shape and its raw little-endian bytes. */
export interface SafetensorsEntry {
  /** The tensor's key in the file. */
  name: string;
  /** Its element type. */
  dtype: SafetensorsDType;
  /** Its dimensions. */
  shape: readonly number[];
  /** numel x itemSize(dtype) bytes, little-endian, row-major. */
  data: Uint8Array;
}

/** One tensor as {@link decodeSafetensors} returns it: dtype, shape and a view of its bytes. */
export interface DecodedTensor {
  /** Its element type. */
  dtype: SafetensorsDType;
  /** Its dimensions. */
  shape: number[];
  /** A view into the decoded bytes (not a copy); little-endian, not necessarily aligned. */
  data: Uint8Array;
}

/** A decoded file: what {@link decodeSafetensors} returns. */
export interface DecodedSafetensors {
  /** The tensors in file order (by data offset). */
  tensors: Map<string, DecodedTensor>;
  /** The `__metadata__` string map; empty when the file has none. */
  metadata: Record<string, string>;
}

/** Options of {@link decodeSafetensors} and the loaders built on it. */
export interface DecodeOptions {
  /** The largest header accepted, in bytes. Default 100 MB (100,000,000), as in the reference implementation. */
  maxHeaderBytes?: number;
}

/** The default bound on the header size, the same as the Rust safetensors crate's. */
export const DEFAULT_MAX_HEADER_BYTES = 100_000_000;

const METADATA_KEY = '__metadata__';
const HEADER_LENGTH_BYTES = 8;

/** Whether `x` names a safetensors dtype. */
export function isSafetensorsDType(x: unknown): x is SafetensorsDType {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(SAFETENSORS_DTYPES, x);
}

/** The size in bytes of one element of `dtype`. */
export function itemSize(dtype: SafetensorsDType): number {
  return SAFETENSORS_DTYPES[dtype];
}

const KNOWN_DTYPES = Object.keys(SAFETENSORS_DTYPES).join(', ');

function quote(name: string): string {
  return JSON.stringify(name);
}

/** Sets obj[key] as an own data property, so a key like "__proto__" is stored, not interpreted. */
export function defineEntry<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'string') return `the string ${JSON.stringify(x.length > 40 ? x.slice(0, 40) + '...' : x)}`;
  if (typeof x === 'object') return 'an object';
  return `${typeof x} ${String(x)}`;
}

/**
 * The element count of `shape`, checking every dimension is a non-negative integer and the product
 * stays an exact integer. `name` is the tensor, for the error message.
 */
function checkedNumel(shape: unknown, name: string, op: string): number {
  if (!Array.isArray(shape)) {
    throw new SafetensorsError(`${op}: tensor ${quote(name)}: shape must be an array of non-negative integers, got ${describe(shape)}`, name);
  }
  let n = 1;
  for (let i = 0; i < shape.length; i++) {
    const d: unknown = shape[i];
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new SafetensorsError(
        `${op}: tensor ${quote(name)}: shape[${i}] must be a non-negative integer, got ${describe(d)} (shape ${JSON.stringify(shape)})`,
        name,
      );
    }
    n *= d;
  }
  if (!Number.isSafeInteger(n)) {
    throw new SafetensorsError(`${op}: tensor ${quote(name)}: shape ${JSON.stringify(shape)} has too many elements (${n})`, name);
  }
  return n;
}

/**
 * Writes a safetensors file. Tensors are laid out sorted by name (UTF-16 code unit order), the
 * header lists them in that order after `__metadata__` (written only when given), and the header
 * is padded with spaces so that the data section starts at a multiple of 8 bytes.
 *
 * Throws {@link SafetensorsError} for a duplicate or reserved name, an unknown dtype, a bad shape,
 * `data` whose length is not numel * itemsize, or metadata that is not a string-to-string map.
 */
export function encodeSafetensors(entries: readonly SafetensorsEntry[], metadata?: Record<string, string>): Uint8Array {
  const op = 'encodeSafetensors';
  const seen = new Set<string>();
  for (const e of entries) {
    if (typeof e.name !== 'string') throw new SafetensorsError(`${op}: tensor names must be strings, got ${describe(e.name)}`);
    if (e.name === METADATA_KEY) throw new SafetensorsError(`${op}: ${quote(METADATA_KEY)} is reserved and cannot name a tensor`, e.name);
    if (seen.has(e.name)) throw new SafetensorsError(`${op}: tensor ${quote(e.name)} appears twice`, e.name);
    seen.add(e.name);
    if (!isSafetensorsDType(e.dtype)) {
      throw new SafetensorsError(`${op}: tensor ${quote(e.name)}: unknown dtype ${describe(e.dtype)} (expected one of ${KNOWN_DTYPES})`, e.name);
    }
    const numel = checkedNumel(e.shape, e.name, op);
    if (!(e.data instanceof Uint8Array)) throw new SafetensorsError(`${op}: tensor ${quote(e.name)}: data must be a Uint8Array`, e.name);
    const expected = numel * itemSize(e.dtype);
    if (e.data.byteLength !== expected) {
      throw new SafetensorsError(
        `${op}: tensor ${quote(e.name)}: ${e.dtype} shape ${JSON.stringify(e.shape)} needs ${expected} bytes, got ${e.data.byteLength}`,
        e.name,
      );
    }
  }
  if (metadata !== undefined) {
    if (!isPlainObject(metadata)) throw new SafetensorsError(`${op}: metadata must be an object of strings, got ${describe(metadata)}`);
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new SafetensorsError(`${op}: metadata ${quote(k)} must be a string, got ${describe(v)}`);
    }
  }

  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // Build the header with a fixed key order. JSON.stringify of an object would move integer-like
  // names ("0", "1") to the front, so the JSON text is assembled by hand.
  const parts: string[] = [];
  if (metadata !== undefined) {
    const meta = Object.keys(metadata).map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`);
    parts.push(`${JSON.stringify(METADATA_KEY)}:{${meta.join(',')}}`);
  }
  let offset = 0;
  for (const e of sorted) {
    const end = offset + e.data.byteLength;
    parts.push(`${JSON.stringify(e.name)}:{"dtype":${JSON.stringify(e.dtype)},"shape":[${e.shape.join(',')}],"data_offsets":[${offset},${end}]}`);
    offset = end;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLen = Math.ceil(json.byteLength / 8) * 8;
  const out = new Uint8Array(HEADER_LENGTH_BYTES + headerLen + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen), true);
  out.set(json, HEADER_LENGTH_BYTES);
  out.fill(0x20, HEADER_LENGTH_BYTES + json.byteLength, HEADER_LENGTH_BYTES + headerLen);
  let pos = HEADER_LENGTH_BYTES + headerLen;
  for (const e of sorted) {
    out.set(e.data, pos);
    pos += e.data.byteLength;
  }
  return out;
}

interface Pending {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Reads a safetensors file, checking everything an untrusted file could get wrong (see the module
 * comment). Tensor data are views into `bytes`; nothing larger than the header text is allocated.
 * Throws {@link SafetensorsError} on any violation.
 */
export function decodeSafetensors(bytes: Uint8Array, options: DecodeOptions = {}): DecodedSafetensors {
  const op = 'decodeSafetensors';
  if (!(bytes instanceof Uint8Array)) throw new SafetensorsError(`${op}: expected a Uint8Array, got ${describe(bytes)}`);
  const maxHeaderBytes = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  if (typeof maxHeaderBytes !== 'number' || !(maxHeaderBytes >= 0)) {
    throw new SafetensorsError(`${op}: maxHeaderBytes must be a non-negative number, got ${describe(maxHeaderBytes)}`);
  }
  if (bytes.byteLength < HEADER_LENGTH_BYTES) {
    throw new SafetensorsError(`${op}: the file is ${bytes.byteLength} bytes, too short to hold the 8-byte header length`);
  }
  const headerLen64 = new DataView(bytes.buffer, bytes.byteOffset, HEADER_LENGTH_BYTES).getBigUint64(0, true);
  if (Number(headerLen64) > maxHeaderBytes) {
    throw new SafetensorsError(`${op}: the header length ${headerLen64} is larger than maxHeaderBytes (${maxHeaderBytes})`);
  }
  const rest = bytes.byteLength - HEADER_LENGTH_BYTES;
  if (headerLen64 > BigInt(rest)) {
    throw new SafetensorsError(`${op}: the header length ${headerLen64} is larger than the ${rest} bytes that follow it (truncated or corrupt file)`);
  }
  const headerLen = Number(headerLen64);
  const dataStart = HEADER_LENGTH_BYTES + headerLen;
  const dataLen = bytes.byteLength - dataStart;

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(HEADER_LENGTH_BYTES, dataStart));
  } catch {
    throw new SafetensorsError(`${op}: the header is not valid UTF-8`);
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(`${op}: the header is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(header)) throw new SafetensorsError(`${op}: the header must be a JSON object, got ${describe(header)}`);

  const metadata: Record<string, string> = {};
  const pending: Pending[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      if (info === null) continue;
      if (!isPlainObject(info)) throw new SafetensorsError(`${op}: ${quote(METADATA_KEY)} must be an object of strings, got ${describe(info)}`);
      for (const [k, v] of Object.entries(info)) {
        if (typeof v !== 'string') throw new SafetensorsError(`${op}: ${quote(METADATA_KEY)} entry ${quote(k)} must be a string, got ${describe(v)}`);
        defineEntry(metadata, k, v);
      }
      continue;
    }
    if (!isPlainObject(info)) {
      throw new SafetensorsError(`${op}: tensor ${quote(name)}: its header entry must be an object with dtype, shape and data_offsets, got ${describe(info)}`, name);
    }
    const { dtype, shape, data_offsets: offsets } = info;
    if (!isSafetensorsDType(dtype)) {
      throw new SafetensorsError(`${op}: tensor ${quote(name)}: unknown dtype ${describe(dtype)} (expected one of ${KNOWN_DTYPES})`, name);
    }
    const numel = checkedNumel(shape, name, op);
    if (!Array.isArray(offsets) || offsets.length !== 2) {
      throw new SafetensorsError(`${op}: tensor ${quote(name)}: data_offsets must be [begin, end], got ${describe(offsets)}`, name);
    }
    const [begin, end] = offsets as unknown[];
    for (const [which, v] of [['begin', begin], ['end', end]] as const) {
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
        throw new SafetensorsError(`${op}: tensor ${quote(name)}: data_offsets ${which} must be a non-negative integer, got ${describe(v)}`, name);
      }
    }
    const b = begin as number;
    const e = end as number;
    if (e < b) throw new SafetensorsError(`${op}: tensor ${quote(name)}: data_offsets [${b}, ${e}] end before begin`, name);
    if (e > dataLen) {
      throw new SafetensorsError(`${op}: tensor ${quote(name)}: data_offsets [${b}, ${e}] run past the end of the ${dataLen}-byte data section`, name);
    }
    const expected = numel * itemSize(dtype);
    if (e - b !== expected) {
      throw new SafetensorsError(
        `${op}: tensor ${quote(name)}: ${dtype} shape ${JSON.stringify(shape)} needs ${expected} bytes but data_offsets [${b}, ${e}] hold ${e - b}`,
        name,
      );
    }
    pending.push({ name, dtype, shape: (shape as number[]).slice(), begin: b, end: e });
  }

  // The byte ranges must tile the data section exactly: sorted by offset, each starts where the
  // previous ended (empty tensors included), and the last ends at the end of the file.
  pending.sort((x, y) => x.begin - y.begin || x.end - y.end);
  let covered = 0;
  let prev: Pending | undefined;
  for (const p of pending) {
    if (p.begin < covered) {
      throw new SafetensorsError(
        `${op}: tensor ${quote(p.name)}: data_offsets [${p.begin}, ${p.end}] overlap tensor ${quote(prev!.name)} [${prev!.begin}, ${prev!.end}]`,
        p.name,
      );
    }
    if (p.begin > covered) {
      const after = prev ? `after tensor ${quote(prev.name)}` : 'at the start of the data section';
      throw new SafetensorsError(`${op}: bytes [${covered}, ${p.begin}) of the data section (${after}, before tensor ${quote(p.name)}) belong to no tensor`, p.name);
    }
    covered = p.end;
    prev = p;
  }
  if (covered !== dataLen) {
    const where = prev ? `after tensor ${quote(prev.name)}` : 'the header lists no tensors';
    throw new SafetensorsError(`${op}: the last ${dataLen - covered} bytes of the data section (${where}) belong to no tensor`);
  }

  const tensors = new Map<string, DecodedTensor>();
  for (const p of pending) {
    tensors.set(p.name, { dtype: p.dtype, shape: p.shape, data: bytes.subarray(dataStart + p.begin, dataStart + p.end) });
  }
  return { tensors, metadata };
}
