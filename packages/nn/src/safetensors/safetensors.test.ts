import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import * as T from '@nonlinear/tensor';
import { NonlinearError, type Tensor } from '@nonlinear/tensor';
import {
  decodeSafetensors,
  encodeSafetensors,
  loadSafetensors,
  readSafetensorsMetadata,
  SAFETENSORS_DTYPES,
  SafetensorsError,
  saveSafetensors,
  type SafetensorsDType,
} from '../index.js';

/*
 * Fixtures (packages/nn/test/fixtures):
 *  - torch_written.safetensors + torch_written.json: written by tools/fixtures/gen_safetensors_fixtures.py
 *    the way PyTorch's safetensors.torch.save_file lays a file out, with the values our loader must give.
 *  - ts_written.safetensors: what saveSafetensors writes for those tensors. The Python script checks that
 *    torch loads it. If the encoder's output changes on purpose, rewrite it with
 *    UPDATE_SAFETENSORS_FIXTURES=1 npx vitest run, then rerun the Python script.
 */
const fixture = (name: string): string => fileURLToPath(new URL(`../../test/fixtures/${name}`, import.meta.url));

const enc = new TextEncoder();

/** Bytes of a file with the given header text (padded to 8 unless told otherwise) and data section. */
function craft(header: string | object, data: Uint8Array | number = 0, opts: { headerLength?: bigint; pad?: boolean } = {}): Uint8Array {
  let h = enc.encode(typeof header === 'string' ? header : JSON.stringify(header));
  if (opts.pad !== false && h.length % 8) {
    const p = new Uint8Array(h.length + (8 - (h.length % 8))).fill(0x20);
    p.set(h);
    h = p;
  }
  const d = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + h.length + d.length);
  new DataView(out.buffer).setBigUint64(0, opts.headerLength ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(d, 8 + h.length);
  return out;
}

/** Runs fn, which must throw a SafetensorsError whose message matches `msg`; returns the error. */
function rejects(fn: () => unknown, msg: RegExp, tensor?: string): SafetensorsError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a SafetensorsError').toBeInstanceOf(SafetensorsError);
  expect(err).toBeInstanceOf(NonlinearError);
  const e = err as SafetensorsError;
  expect(e.name).toBe('SafetensorsError');
  expect(e.message).toMatch(msg);
  if (tensor !== undefined) {
    expect(e.tensor).toBe(tensor);
    expect(e.message).toContain(JSON.stringify(tensor));
  }
  return e;
}

const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Equal values including NaN positions and the sign of zero. */
function sameValues(got: ArrayLike<number>, want: ArrayLike<number>): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Object.is(got[i], want[i]), `index ${i}: ${got[i]} vs ${want[i]}`).toBe(true);
}

const num = (v: number | string | boolean): number =>
  typeof v === 'boolean' ? Number(v) : typeof v === 'string' ? ({ nan: NaN, inf: Infinity, '-inf': -Infinity } as Record<string, number>)[v]! : v;

describe('format: encode / decode', () => {
  test('round trip of every dtype, raw bytes, with metadata', () => {
    const entries = Object.entries(SAFETENSORS_DTYPES).map(([dtype, size], i) => {
      const shape = i % 3 === 0 ? [2, 3] : i % 3 === 1 ? [5] : [];
      const n = shape.reduce((a, b) => a * b, 1);
      const data = new Uint8Array(n * size).map((_, j) => (j * 31 + i * 7) & 0xff);
      return { name: `t.${dtype}`, dtype: dtype as SafetensorsDType, shape, data };
    });
    entries.push({ name: 'empty', dtype: 'F32', shape: [0, 4], data: new Uint8Array(0) });
    const file = encodeSafetensors(entries, { format: 'pt', 'a key': 'a value', '': 'empty key' });
    const { tensors, metadata } = decodeSafetensors(file);
    expect(metadata).toEqual({ format: 'pt', 'a key': 'a value', '': 'empty key' });
    expect(tensors.size).toBe(entries.length);
    for (const e of entries) {
      const t = tensors.get(e.name)!;
      expect(t.dtype).toBe(e.dtype);
      expect(t.shape).toEqual(e.shape);
      expect([...t.data]).toEqual([...e.data]);
      expect(t.data.buffer).toBe(file.buffer); // a view, not a copy
    }
  });

  test('layout follows the spec: u64 header length, space padding to 8, tensors sorted by name, contiguous offsets', () => {
    const f32 = (xs: number[]): Uint8Array => bytesOf(new Float32Array(xs));
    const file = encodeSafetensors(
      [
        { name: 'b', dtype: 'F32', shape: [2], data: f32([1, 2]) },
        { name: '10', dtype: 'BOOL', shape: [3], data: new Uint8Array([1, 0, 1]) },
        { name: 'a', dtype: 'F32', shape: [1], data: f32([3]) },
        { name: '2', dtype: 'I32', shape: [], data: bytesOf(new Int32Array([-5])) },
      ],
      { format: 'pt' },
    );
    const n = Number(new DataView(file.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const text = new TextDecoder().decode(file.subarray(8, 8 + n));
    expect(text).toMatch(/^\{.*\} *$/);
    expect(text.trimEnd().length).toBeGreaterThan(n - 8);
    // key order: __metadata__, then names sorted ("10" < "2" < "a" < "b"), each right after the previous
    expect(text.trimEnd()).toBe(
      '{"__metadata__":{"format":"pt"},' +
        '"10":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]},' +
        '"2":{"dtype":"I32","shape":[],"data_offsets":[3,7]},' +
        '"a":{"dtype":"F32","shape":[1],"data_offsets":[7,11]},' +
        '"b":{"dtype":"F32","shape":[2],"data_offsets":[11,19]}}',
    );
    expect(file.length).toBe(8 + n + 19);
    expect([...file.subarray(8 + n, 8 + n + 3)]).toEqual([1, 0, 1]);
  });

  test('no tensors, no metadata: a valid file of just "{}"', () => {
    const file = encodeSafetensors([]);
    expect(new TextDecoder().decode(file.subarray(8)).trimEnd()).toBe('{}');
    expect(file.length).toBe(16);
    const d = decodeSafetensors(file);
    expect(d.tensors.size).toBe(0);
    expect(d.metadata).toEqual({});
  });

  test('reads a header padded with spaces or not, metadata null, and a subarray of a bigger buffer', () => {
    const h = { x: { dtype: 'U8', shape: [2], data_offsets: [0, 2] }, __metadata__: null };
    for (const pad of [true, false]) {
      const file = craft(h, new Uint8Array([7, 9]), { pad });
      expect([...decodeSafetensors(file).tensors.get('x')!.data]).toEqual([7, 9]);
    }
    const file = craft(h, new Uint8Array([7, 9]));
    const big = new Uint8Array(file.length + 40);
    big.set(file, 13);
    expect([...decodeSafetensors(big.subarray(13, 13 + file.length)).tensors.get('x')!.data]).toEqual([7, 9]);
  });

  test('names that are special to JS objects are kept as plain names', () => {
    const file = encodeSafetensors([
      { name: '__proto__', dtype: 'U8', shape: [1], data: new Uint8Array([1]) },
      { name: 'constructor', dtype: 'U8', shape: [1], data: new Uint8Array([2]) },
    ], JSON.parse('{"__proto__":"v"}') as Record<string, string>);
    const d = decodeSafetensors(file);
    expect([...d.tensors.keys()].sort()).toEqual(['__proto__', 'constructor']);
    expect(Object.keys(d.metadata)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(d.metadata)).toBe(Object.prototype);
    const loaded = loadSafetensors(file, { device: 'cpu' });
    expect(Object.keys(loaded).sort()).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(loaded)).toBe(Object.prototype);
    expect(Array.from(loaded['__proto__']!.dataSync())).toEqual([1]);
    T.dispose(loaded);
  });

  test('encode rejects bad entries', () => {
    const u8 = (n: number): Uint8Array => new Uint8Array(n);
    rejects(() => encodeSafetensors([{ name: 'x', dtype: 'F32', shape: [3], data: u8(8) }]), /needs 12 bytes, got 8/, 'x');
    rejects(() => encodeSafetensors([{ name: 'x', dtype: 'F33' as SafetensorsDType, shape: [1], data: u8(4) }]), /unknown dtype/, 'x');
    rejects(() => encodeSafetensors([{ name: 'x', dtype: 'F32', shape: [-1], data: u8(4) }]), /shape\[0\] must be a non-negative integer/, 'x');
    rejects(() => encodeSafetensors([{ name: 'x', dtype: 'F32', shape: [1.5], data: u8(4) }]), /shape\[0\]/, 'x');
    rejects(
      () => encodeSafetensors([{ name: 'x', dtype: 'U8', shape: [1], data: u8(1) }, { name: 'x', dtype: 'U8', shape: [1], data: u8(1) }]),
      /appears twice/,
      'x',
    );
    rejects(() => encodeSafetensors([{ name: '__metadata__', dtype: 'U8', shape: [1], data: u8(1) }]), /reserved/);
    rejects(() => encodeSafetensors([], { a: 1 as unknown as string }), /metadata "a" must be a string/);
  });
});

describe('io: saveSafetensors / loadSafetensors', () => {
  test('round trip of float32, float64, int32 and bool, bit for bit, including NaN, inf, -0, scalars and empty tensors', async () => {
    const f32 = new Float32Array([NaN, Infinity, -Infinity, -0, 0, 1e-45, 3.4028234663852886e38, -1.5, Math.PI]);
    const f64 = new Float64Array([NaN, -Infinity, 5e-324, Number.MAX_VALUE, -0, Math.E]);
    const i32 = new Int32Array([-2147483648, 2147483647, 0, -1, 7, 12345]);
    const tensors: Record<string, Tensor> = {
      f32: T.tensor(f32, { shape: [3, 3], device: 'cpu' }),
      f64: T.tensor(f64, { shape: [2, 3], device: 'cpu' }),
      i32: T.tensor(i32, { shape: [6], device: 'cpu' }),
      bool: T.tensor([[true, false, true], [false, false, true]], { device: 'cpu' }),
      scalar: T.tensor(new Float32Array([2.5]), { shape: [], device: 'cpu' }),
      empty: T.tensor(new Float32Array(0), { shape: [0, 3], device: 'cpu' }),
      emptyInt: T.tensor(new Int32Array(0), { shape: [2, 0], device: 'cpu' }),
    };
    const file = await saveSafetensors(tensors, { format: 'pt', source: 'nonlinear' });
    expect(readSafetensorsMetadata(file)).toEqual({ format: 'pt', source: 'nonlinear' });
    const decoded = decodeSafetensors(file).tensors;
    expect(Object.fromEntries([...decoded].map(([k, v]) => [k, v.dtype]))).toEqual({
      f32: 'F32', f64: 'F64', i32: 'I32', bool: 'BOOL', scalar: 'F32', empty: 'F32', emptyInt: 'I32',
    });
    const back = loadSafetensors(file, { device: 'cpu' });
    expect(Object.keys(back).sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) {
      const b = back[name]!;
      expect(b.dtype, name).toBe(t.dtype);
      expect(b.shape, name).toEqual(t.shape);
      expect(b.device).toBe('cpu');
      expect([...bytesOf(await b.data())], name).toEqual([...bytesOf(await t.data())]);
    }
    T.dispose(tensors);
    T.dispose(back);
  });

  test('a non-contiguous tensor is saved in its logical row-major order', async () => {
    const base = T.tensor(new Float32Array([0, 1, 2, 3, 4, 5]), { shape: [2, 3], device: 'cpu' });
    const tr = base.transpose(0, 1); // [3,2]: 0 3 1 4 2 5
    const sliced = T.tensor(new Float32Array([0, 1, 2, 3, 4, 5, 6, 7]), { shape: [8], device: 'cpu' }).index([1, 8, 2]); // 1 3 5 7
    const back = loadSafetensors(await saveSafetensors({ tr, sliced }), { device: 'cpu' });
    expect(back.tr!.shape).toEqual([3, 2]);
    expect(Array.from(await back.tr!.data())).toEqual([0, 3, 1, 4, 2, 5]);
    expect(Array.from(await back.sliced!.data())).toEqual([1, 3, 5, 7]);
    T.dispose([base, tr, sliced, back]);
  });

  test('reads unaligned data (a BOOL of odd length before an F32)', () => {
    const file = encodeSafetensors([
      { name: 'a', dtype: 'BOOL', shape: [3], data: new Uint8Array([1, 0, 2]) },
      { name: 'b', dtype: 'F32', shape: [2], data: bytesOf(new Float32Array([1.5, -2])) },
      { name: 'c', dtype: 'F64', shape: [1], data: bytesOf(new Float64Array([0.1])) },
    ]);
    const t = loadSafetensors(file, { device: 'cpu' });
    expect(Array.from(t.a!.dataSync())).toEqual([1, 0, 1]); // nonzero BOOL bytes read as true
    expect(Array.from(t.b!.dataSync())).toEqual([1.5, -2]);
    expect(Array.from(t.c!.dataSync())).toEqual([0.1]);
    T.dispose(t);
  });

  test('F16 and BF16 convert exactly to float32', () => {
    const half = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x03ff, 0x0400, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x3555];
    const halfWant = [1, -2, 65504, 2 ** -24, 1023 * 2 ** -24, 2 ** -14, -0, Infinity, -Infinity, NaN, 0.333251953125];
    const bf = [0x3f80, 0xc000, 0x4049, 0x7f7f, 0x0001, 0x8000, 0x7f80, 0xff80, 0x7fc0];
    const bfWant = [1, -2, 3.140625, 3.3895313892515355e38, 2 ** -133, -0, Infinity, -Infinity, NaN];
    const file = encodeSafetensors([
      { name: 'h', dtype: 'F16', shape: [half.length], data: bytesOf(new Uint16Array(half)) },
      { name: 'bf', dtype: 'BF16', shape: [bf.length], data: bytesOf(new Uint16Array(bf)) },
    ]);
    const t = loadSafetensors(file, { device: 'cpu' });
    expect(t.h!.dtype).toBe('float32');
    sameValues(t.h!.dataSync(), halfWant);
    sameValues(t.bf!.dataSync(), bfWant);
    T.dispose(t);
    // every finite positive half, in bit order, converts to a strictly increasing float32 that rounds back to itself
    const all = new Uint16Array(0x7c00).map((_, i) => i);
    const got = loadSafetensors(encodeSafetensors([{ name: 'all', dtype: 'F16', shape: [all.length], data: bytesOf(all) }]), { device: 'cpu' });
    const v = got.all!.dataSync() as Float32Array;
    for (let i = 1; i < v.length; i++) if (!(v[i]! > v[i - 1]!)) throw new Error(`half 0x${i.toString(16)} is not above its predecessor`);
    expect(v[0x3c00]).toBe(1);
    expect(v[0x7bff]).toBe(65504);
    T.dispose(got);
  });

  test('integer dtypes load as int32; I64/U64/U32 values outside int32 are an error naming the tensor', () => {
    const file = encodeSafetensors([
      { name: 'i64', dtype: 'I64', shape: [3], data: bytesOf(new BigInt64Array([-2147483648n, 2147483647n, -1n])) },
      { name: 'u64', dtype: 'U64', shape: [1], data: bytesOf(new BigUint64Array([2147483647n])) },
      { name: 'u8', dtype: 'U8', shape: [2], data: new Uint8Array([0, 255]) },
      { name: 'i8', dtype: 'I8', shape: [2], data: bytesOf(new Int8Array([-128, 127])) },
      { name: 'i16', dtype: 'I16', shape: [2], data: bytesOf(new Int16Array([-32768, 32767])) },
      { name: 'u16', dtype: 'U16', shape: [1], data: bytesOf(new Uint16Array([65535])) },
      { name: 'u32', dtype: 'U32', shape: [1], data: bytesOf(new Uint32Array([2147483647])) },
    ]);
    const t = loadSafetensors(file, { device: 'cpu' });
    for (const k of Object.keys(t)) expect(t[k]!.dtype).toBe('int32');
    expect(Array.from(t.i64!.dataSync())).toEqual([-2147483648, 2147483647, -1]);
    expect(Array.from(t.u64!.dataSync())).toEqual([2147483647]);
    expect(Array.from(t.u8!.dataSync())).toEqual([0, 255]);
    expect(Array.from(t.i8!.dataSync())).toEqual([-128, 127]);
    expect(Array.from(t.i16!.dataSync())).toEqual([-32768, 32767]);
    expect(Array.from(t.u16!.dataSync())).toEqual([65535]);
    expect(Array.from(t.u32!.dataSync())).toEqual([2147483647]);
    T.dispose(t);

    const before = T.memory().liveTensors;
    const big = (name: string, dtype: SafetensorsDType, data: ArrayBufferView) =>
      encodeSafetensors([
        { name: 'a.ok', dtype: 'F32', shape: [1], data: bytesOf(new Float32Array([1])) },
        { name, dtype, shape: [2], data: bytesOf(data) },
      ]);
    rejects(() => loadSafetensors(big('ids', 'I64', new BigInt64Array([1n, 2147483648n])), { device: 'cpu' }), /I64 value 2147483648 at flat index 1 does not fit in int32/, 'ids');
    rejects(() => loadSafetensors(big('ids', 'I64', new BigInt64Array([-2147483649n, 0n])), { device: 'cpu' }), /does not fit in int32/, 'ids');
    rejects(() => loadSafetensors(big('u', 'U64', new BigUint64Array([0n, 2n ** 64n - 1n])), { device: 'cpu' }), /U64 value 18446744073709551615/, 'u');
    rejects(() => loadSafetensors(big('u', 'U32', new Uint32Array([0, 2 ** 31])), { device: 'cpu' }), /U32 value 2147483648/, 'u');
    rejects(() => loadSafetensors(big('f8', 'F8_E4M3', new Uint8Array(2)), { device: 'cpu' }), /F8_E4M3 cannot be loaded/, 'f8');
    // the tensor created before the failing one ("a.ok") was disposed
    expect(T.memory().liveTensors).toBe(before);
  });

  test('saveSafetensors names what is wrong', async () => {
    const x = T.tensor([1, 2], { device: 'cpu' });
    await expect(saveSafetensors({ __metadata__: x })).rejects.toThrow(SafetensorsError);
    await expect(saveSafetensors({ x }, { n: 1 as unknown as string })).rejects.toThrow(/metadata "n" must be a string/);
    x.dispose();
  });
});

describe('files written by PyTorch and for PyTorch', () => {
  type Side = { metadata: Record<string, string>; tensors: Record<string, { dtype: string; shape: number[]; loads_as: string; data: (number | string | boolean)[] }> };
  const side = JSON.parse(readFileSync(fixture('torch_written.json'), 'utf8')) as Side;
  const torchFile = new Uint8Array(readFileSync(fixture('torch_written.safetensors')));

  test('a file laid out by PyTorch safetensors loads with identical values', () => {
    const { tensors, metadata } = decodeSafetensors(torchFile);
    expect(metadata).toEqual(side.metadata);
    expect([...tensors.keys()].sort()).toEqual(Object.keys(side.tensors).sort());
    const loaded = loadSafetensors(torchFile, { device: 'cpu' });
    for (const [name, want] of Object.entries(side.tensors)) {
      expect(tensors.get(name)!.dtype, name).toBe(want.dtype);
      const t = loaded[name]!;
      expect(t.dtype, name).toBe(want.loads_as);
      expect(t.shape, name).toEqual(want.shape);
      sameValues(t.dataSync(), want.data.map(num));
    }
    T.dispose(loaded);
  });

  test('what we write for those tensors is the committed ts_written.safetensors (checked loadable by torch)', async () => {
    const loaded = loadSafetensors(torchFile, { device: 'cpu' });
    const ours = await saveSafetensors(loaded, side.metadata);
    T.dispose(loaded);
    const path = fixture('ts_written.safetensors');
    if (process.env.UPDATE_SAFETENSORS_FIXTURES === '1') writeFileSync(path, ours);
    expect(existsSync(path), 'ts_written.safetensors is missing: run with UPDATE_SAFETENSORS_FIXTURES=1').toBe(true);
    const committed = new Uint8Array(readFileSync(path));
    expect(ours.length).toBe(committed.length);
    expect(Buffer.compare(Buffer.from(ours), Buffer.from(committed)), 'encoder output changed; see the comment at the top of this file').toBe(0);
    // and it reads back to the same values
    const again = loadSafetensors(committed, { device: 'cpu' });
    for (const [name, want] of Object.entries(side.tensors)) sameValues(again[name]!.dataSync(), want.data.map(num));
    T.dispose(again);
  });
});

describe('untrusted files: every violation is a SafetensorsError', () => {
  const good = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'U8', shape: [4], data_offsets: [8, 12] } };

  test('sanity: the base file used below is valid', () => {
    expect(decodeSafetensors(craft(good, 12)).tensors.size).toBe(2);
  });

  test('truncated files', () => {
    rejects(() => decodeSafetensors(new Uint8Array(0)), /0 bytes, too short/);
    rejects(() => decodeSafetensors(new Uint8Array(5)), /5 bytes, too short to hold the 8-byte header length/);
    const file = craft(good, 12);
    rejects(() => decodeSafetensors(file.subarray(0, 12)), /header length \d+ is larger than the 4 bytes that follow it/);
    rejects(() => decodeSafetensors(file.subarray(0, file.length - 1)), /tensor "b": data_offsets \[8, 12\] run past the end of the 11-byte data section/, 'b');
    rejects(() => decodeSafetensors(file.subarray(0, file.length - 4)), /tensor "b".*run past the end/, 'b');
  });

  test('header length larger than the file, up to 2^64 - 1, without allocating it', () => {
    const before = process.memoryUsage().arrayBuffers;
    rejects(() => decodeSafetensors(craft(good, 12, { headerLength: 1000n })), /header length 1000 is larger than the \d+ bytes that follow/);
    rejects(() => decodeSafetensors(craft(good, 12, { headerLength: 50_000_000n })), /larger than the \d+ bytes that follow/);
    rejects(() => decodeSafetensors(craft(good, 12, { headerLength: 2n ** 64n - 1n })), /18446744073709551615 is larger than maxHeaderBytes/);
    rejects(() => decodeSafetensors(craft(good, 12, { headerLength: 2n ** 53n + 1n })), /larger than maxHeaderBytes/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 << 20);
  });

  test('header larger than maxHeaderBytes (default 100 MB)', () => {
    const file = craft(good, 12);
    const n = Number(new DataView(file.buffer).getBigUint64(0, true));
    rejects(() => decodeSafetensors(file, { maxHeaderBytes: n - 1 }), new RegExp(`header length ${n} is larger than maxHeaderBytes \\(${n - 1}\\)`));
    expect(decodeSafetensors(file, { maxHeaderBytes: n }).tensors.size).toBe(2);
    rejects(() => decodeSafetensors(craft(good, 12, { headerLength: 100_000_001n })), /larger than maxHeaderBytes \(100000000\)/);
  });

  test('header that is not JSON, not UTF-8, or not an object', () => {
    rejects(() => decodeSafetensors(craft('{"a": {"dtype": "F32",', 0)), /header is not valid JSON/);
    rejects(() => decodeSafetensors(craft('', 0)), /header is not valid JSON/);
    const bad = craft('{"\xff":1}', 0);
    bad[10] = 0xff; // an invalid UTF-8 byte inside the key
    rejects(() => decodeSafetensors(bad), /not valid UTF-8/);
    for (const h of ['[]', 'null', '42', '"str"', 'true']) rejects(() => decodeSafetensors(craft(h, 0)), /header must be a JSON object/);
  });

  test('entries and metadata of the wrong type', () => {
    rejects(() => decodeSafetensors(craft({ a: 5 }, 0)), /tensor "a": its header entry must be an object/, 'a');
    rejects(() => decodeSafetensors(craft({ a: [] }, 0)), /tensor "a": its header entry must be an object/, 'a');
    rejects(() => decodeSafetensors(craft({ __metadata__: { k: 1 } }, 0)), /"__metadata__" entry "k" must be a string/);
    rejects(() => decodeSafetensors(craft({ __metadata__: [] }, 0)), /"__metadata__" must be an object/);
  });

  test('unknown or missing dtype', () => {
    for (const dtype of ['F128', 'f32', 'float32', '', 4, null, undefined]) {
      rejects(() => decodeSafetensors(craft({ a: { dtype, shape: [2], data_offsets: [0, 8] } }, 8)), /tensor "a": unknown dtype/, 'a');
    }
  });

  test('negative, fractional, non-numeric or overflowing shapes', () => {
    const h = (shape: unknown, offsets = [0, 8]) => craft({ a: { dtype: 'F32', shape, data_offsets: offsets } }, 8);
    rejects(() => decodeSafetensors(h([-2])), /tensor "a": shape\[0\] must be a non-negative integer, got number -2/, 'a');
    rejects(() => decodeSafetensors(h([2, -1])), /shape\[1\] must be a non-negative integer/, 'a');
    rejects(() => decodeSafetensors(h([1.5])), /shape\[0\] must be a non-negative integer, got number 1.5/, 'a');
    rejects(() => decodeSafetensors(h(['2'])), /shape\[0\]/, 'a');
    rejects(() => decodeSafetensors(h([null])), /shape\[0\]/, 'a');
    rejects(() => decodeSafetensors(h(2)), /shape must be an array/, 'a');
    rejects(() => decodeSafetensors(h(undefined)), /shape must be an array/, 'a');
    rejects(() => decodeSafetensors(h([1e300])), /shape\[0\]/, 'a');
    rejects(() => decodeSafetensors(h([2 ** 30, 2 ** 30, 2 ** 30])), /too many elements/, 'a');
    // a plausible-looking huge tensor in a tiny file: offsets out of range, nothing allocated
    const before = process.memoryUsage().arrayBuffers;
    rejects(() => decodeSafetensors(h([1_000_000_000], [0, 4_000_000_000])), /run past the end of the 8-byte data section/, 'a');
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 << 20);
  });

  test('offsets that are malformed or outside the data section', () => {
    const h = (offsets: unknown, dataBytes = 8) => craft({ a: { dtype: 'F32', shape: [2], data_offsets: offsets } }, dataBytes);
    rejects(() => decodeSafetensors(h([0, 16])), /tensor "a": data_offsets \[0, 16\] run past the end of the 8-byte data section/, 'a');
    rejects(() => decodeSafetensors(h([8, 16], 16)), /bytes \[0, 8\) of the data section \(at the start of the data section, before tensor "a"\) belong to no tensor/, 'a');
    rejects(() => decodeSafetensors(h([-8, 0])), /data_offsets begin must be a non-negative integer, got number -8/, 'a');
    rejects(() => decodeSafetensors(h([0.5, 8.5])), /data_offsets begin must be a non-negative integer/, 'a');
    rejects(() => decodeSafetensors(h([0, '8'])), /data_offsets end must be a non-negative integer/, 'a');
    rejects(() => decodeSafetensors(h([8, 0])), /end before begin/, 'a');
    rejects(() => decodeSafetensors(h([0])), /data_offsets must be \[begin, end\]/, 'a');
    rejects(() => decodeSafetensors(h([0, 8, 16])), /data_offsets must be \[begin, end\]/, 'a');
    rejects(() => decodeSafetensors(h(undefined)), /data_offsets must be \[begin, end\]/, 'a');
    rejects(() => decodeSafetensors(h([0, 2 ** 64])), /data_offsets end must be a non-negative integer/, 'a');
  });

  test('overlapping tensors', () => {
    const h = {
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
    };
    rejects(() => decodeSafetensors(craft(h, 12)), /tensor "b": data_offsets \[4, 12\] overlap tensor "a" \[0, 8\]/, 'b');
    const same = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'U8', shape: [8], data_offsets: [0, 8] } };
    rejects(() => decodeSafetensors(craft(same, 8)), /overlap/);
    // an empty tensor placed inside another one's bytes also overlaps it
    const inside = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, e: { dtype: 'F32', shape: [0], data_offsets: [4, 4] } };
    rejects(() => decodeSafetensors(craft(inside, 8)), /tensor "e": data_offsets \[4, 4\] overlap tensor "a"/, 'e');
    // but an empty tensor at a boundary is fine
    const edge = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, e: { dtype: 'F32', shape: [0, 5], data_offsets: [8, 8] } };
    expect(decodeSafetensors(craft(edge, 8)).tensors.get('e')!.data.length).toBe(0);
  });

  test('byte count that does not match dtype and shape', () => {
    rejects(
      () => decodeSafetensors(craft({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8)),
      /tensor "a": F32 shape \[3\] needs 12 bytes but data_offsets \[0, 8\] hold 8/,
      'a',
    );
    rejects(() => decodeSafetensors(craft({ a: { dtype: 'F64', shape: [2], data_offsets: [0, 8] } }, 8)), /F64 shape \[2\] needs 16 bytes/, 'a');
    rejects(() => decodeSafetensors(craft({ a: { dtype: 'BF16', shape: [], data_offsets: [0, 4] } }, 4)), /BF16 shape \[\] needs 2 bytes/, 'a');
  });

  test('holes in the data section', () => {
    const gap = { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } };
    rejects(() => decodeSafetensors(craft(gap, 12)), /bytes \[4, 8\) of the data section \(after tensor "a", before tensor "b"\) belong to no tensor/, 'b');
    rejects(() => decodeSafetensors(craft(good, 20)), /the last 8 bytes of the data section \(after tensor "b"\) belong to no tensor/);
    rejects(() => decodeSafetensors(craft({}, 3)), /the last 3 bytes of the data section \(the header lists no tensors\) belong to no tensor/);
    rejects(() => decodeSafetensors(craft({ __metadata__: { a: 'b' } }, 1)), /belong to no tensor/);
  });

  test('loadSafetensors checks the same way and takes maxHeaderBytes', () => {
    rejects(() => loadSafetensors(new Uint8Array(3), { device: 'cpu' }), /too short/);
    rejects(() => loadSafetensors(craft(good, 12), { device: 'cpu', maxHeaderBytes: 8 }), /larger than maxHeaderBytes \(8\)/);
  });

  test('random corruption of a valid file never escapes as anything but a SafetensorsError', () => {
    const file = encodeSafetensors([
      { name: 'w', dtype: 'F32', shape: [2, 2], data: new Uint8Array(16) },
      { name: 'ids', dtype: 'I64', shape: [2], data: new Uint8Array(16) },
      { name: 'h', dtype: 'F16', shape: [3], data: new Uint8Array(6) },
    ], { format: 'pt' });
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    let failures = 0;
    for (let trial = 0; trial < 3000; trial++) {
      const f = file.slice();
      const edits = 1 + rand(3);
      for (let k = 0; k < edits; k++) f[rand(f.length)] = rand(256);
      const cut = trial % 5 === 0 ? f.subarray(0, rand(f.length + 1)) : f;
      try {
        T.dispose(loadSafetensors(cut, { device: 'cpu' }));
      } catch (e) {
        if (!(e instanceof SafetensorsError)) throw e;
        failures++;
      }
    }
    expect(failures).toBeGreaterThan(100);
  });
});
