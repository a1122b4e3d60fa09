/**
 * Tensors to and from safetensors bytes. The file format itself (and all the checks on untrusted
 * input) lives in format.ts; this file maps dtypes and copies data in and out of tensors.
 */
import { tensor, type Backend, type DType, type Tensor } from '@nonlinear/tensor';
import { SafetensorsError } from './errors.js';
import { decodeSafetensors, defineEntry, encodeSafetensors, type DecodeOptions, type SafetensorsDType, type SafetensorsEntry } from './format.js';

/** Options of {@link loadSafetensors}. */
export interface LoadOptions extends DecodeOptions {
  /** 'cpu', 'webgpu' or a backend object; defaults to the current backend. */
  device?: string | Backend;
}

const SAVE_DTYPE: Record<DType, SafetensorsDType> = { float32: 'F32', float64: 'F64', int32: 'I32', bool: 'BOOL' };

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The bytes of a typed array, little-endian (a view when the host is little-endian, as all current ones are). */
function toLittleEndianBytes(a: Float32Array | Float64Array | Int32Array | Uint8Array): Uint8Array {
  if (LITTLE_ENDIAN || a.BYTES_PER_ELEMENT === 1) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const out = new Uint8Array(a.byteLength);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) {
    if (a instanceof Float32Array) dv.setFloat32(i * 4, a[i]!, true);
    else if (a instanceof Float64Array) dv.setFloat64(i * 8, a[i]!, true);
    else dv.setInt32(i * 4, a[i]!, true);
  }
  return out;
}

/**
 * Writes tensors as a safetensors file: float32 as F32, float64 as F64, int32 as I32, bool as
 * BOOL. Each tensor is read with `await t.data()`, so any device and any layout (transposed,
 * sliced views) works; tensors are stored row-major in their logical shape, sorted by name.
 */
export async function saveSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Promise<Uint8Array> {
  const entries: SafetensorsEntry[] = [];
  for (const name of Object.keys(tensors)) {
    const t = tensors[name]!;
    const dtype = SAVE_DTYPE[t.dtype];
    if (dtype === undefined) throw new SafetensorsError(`saveSafetensors: tensor ${JSON.stringify(name)} has dtype ${String(t.dtype)}, which safetensors saving does not support`, name);
    const data = (await t.data()) as Float32Array | Float64Array | Int32Array | Uint8Array;
    entries.push({ name, dtype, shape: [...t.shape], data: toLittleEndianBytes(data) });
  }
  return encodeSafetensors(entries, metadata);
}

/** float16 bits to the (exactly representable) float32 value. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function fail(name: string, message: string): never {
  throw new SafetensorsError(`loadSafetensors: tensor ${JSON.stringify(name)}: ${message}`, name);
}

/**
 * Typed array data for one decoded tensor, in the dtype it loads as. `bytes` may be unaligned,
 * so it is always read through a DataView or copied, never reinterpreted in place.
 */
function convert(name: string, dtype: SafetensorsDType, bytes: Uint8Array): { dtype: DType; data: Float32Array | Float64Array | Int32Array | Uint8Array } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'F32':
    case 'F64':
    case 'I32': {
      const out = dtype === 'F32' ? new Float32Array(bytes.byteLength / 4) : dtype === 'F64' ? new Float64Array(bytes.byteLength / 8) : new Int32Array(bytes.byteLength / 4);
      if (LITTLE_ENDIAN) {
        new Uint8Array(out.buffer).set(bytes);
      } else {
        for (let i = 0; i < out.length; i++) {
          out[i] = dtype === 'F32' ? dv.getFloat32(i * 4, true) : dtype === 'F64' ? dv.getFloat64(i * 8, true) : dv.getInt32(i * 4, true);
        }
      }
      return { dtype: dtype === 'F32' ? 'float32' : dtype === 'F64' ? 'float64' : 'int32', data: out };
    }
    case 'BOOL': {
      const out = new Uint8Array(bytes.byteLength);
      for (let i = 0; i < out.length; i++) out[i] = bytes[i] !== 0 ? 1 : 0;
      return { dtype: 'bool', data: out };
    }
    case 'F16': {
      const out = new Float32Array(bytes.byteLength / 2);
      for (let i = 0; i < out.length; i++) out[i] = halfToFloat(dv.getUint16(i * 2, true));
      return { dtype: 'float32', data: out };
    }
    case 'BF16': {
      const out = new Float32Array(bytes.byteLength / 2);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < out.length; i++) bits[i] = dv.getUint16(i * 2, true) << 16;
      return { dtype: 'float32', data: out };
    }
    case 'U8':
    case 'I8':
    case 'U16':
    case 'I16': {
      const out = new Int32Array(bytes.byteLength / (dtype === 'U8' || dtype === 'I8' ? 1 : 2));
      for (let i = 0; i < out.length; i++) {
        out[i] = dtype === 'U8' ? dv.getUint8(i) : dtype === 'I8' ? dv.getInt8(i) : dtype === 'U16' ? dv.getUint16(i * 2, true) : dv.getInt16(i * 2, true);
      }
      return { dtype: 'int32', data: out };
    }
    case 'U32': {
      const out = new Int32Array(bytes.byteLength / 4);
      for (let i = 0; i < out.length; i++) {
        const v = dv.getUint32(i * 4, true);
        if (v > 0x7fffffff) fail(name, `U32 value ${v} at flat index ${i} does not fit in int32`);
        out[i] = v;
      }
      return { dtype: 'int32', data: out };
    }
    case 'I64':
    case 'U64': {
      const out = new Int32Array(bytes.byteLength / 8);
      for (let i = 0; i < out.length; i++) {
        const v = dtype === 'I64' ? dv.getBigInt64(i * 8, true) : dv.getBigUint64(i * 8, true);
        if (v < -0x80000000n || v > 0x7fffffffn) fail(name, `${dtype} value ${v} at flat index ${i} does not fit in int32`);
        out[i] = Number(v);
      }
      return { dtype: 'int32', data: out };
    }
    default:
      return fail(name, `dtype ${dtype} cannot be loaded (supported: F32, F64, I32, BOOL, F16 and BF16 as float32, I64/U64/U32/I16/U16/I8/U8 as int32)`);
  }
}

/**
 * Reads a safetensors file into tensors (on `options.device`, default the current backend). F32,
 * F64, I32 and BOOL load as float32, float64, int32 and bool; F16 and BF16 are converted to
 * float32 (exactly); I64, U64, U32, I16, U16, I8 and U8 load as int32, and an I64/U64/U32 value
 * outside the int32 range is an error. The file is checked as {@link decodeSafetensors} does;
 * every problem is a {@link SafetensorsError}. If a tensor fails to convert or to be created
 * (float64 on webgpu, for example) the tensors already created are disposed before the error
 * propagates.
 */
export function loadSafetensors(bytes: Uint8Array, options: LoadOptions = {}): Record<string, Tensor> {
  const decodeOptions: DecodeOptions = options.maxHeaderBytes === undefined ? {} : { maxHeaderBytes: options.maxHeaderBytes };
  const { tensors } = decodeSafetensors(bytes, decodeOptions);
  const out: Record<string, Tensor> = {};
  const created: Tensor[] = [];
  try {
    // One tensor at a time, so at most one converted copy is alive besides the file and the tensors.
    for (const [name, d] of tensors) {
      const c = convert(name, d.dtype, d.data);
      const t = tensor(c.data, { shape: d.shape, dtype: c.dtype, ...(options.device === undefined ? {} : { device: options.device }) });
      created.push(t);
      defineEntry(out, name, t);
    }
  } catch (e) {
    for (const t of created) t.dispose();
    throw e;
  }
  return out;
}

/** The metadata of a safetensors file without loading its tensors. */
export function readSafetensorsMetadata(bytes: Uint8Array, options: DecodeOptions = {}): Record<string, string> {
  return decodeSafetensors(bytes, options).metadata;
}
