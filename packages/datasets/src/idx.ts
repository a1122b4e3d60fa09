import { DatasetError } from './errors.js';

/** A parsed IDX file (the format of the original MNIST files): unsigned bytes and their dims. */
export interface IdxArray {
  /** Sizes of each dimension, outermost first (e.g. [60000, 28, 28]). */
  readonly dims: readonly number[];
  /** The values, row-major. A view into the input bytes, not a copy. */
  readonly data: Uint8Array;
}

/**
 * Parses an IDX file of unsigned bytes (type code 0x08): magic `00 00 08 nd`, then `nd`
 * big-endian uint32 sizes, then the data. `file` names the source in errors; throws
 * {@link DatasetError} for a bad magic, another element type, or a length that does not match
 * the header.
 */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4) throw new DatasetError(`${file}: not an IDX file (${bytes.length} bytes, shorter than the 4-byte magic)`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DatasetError(`${file}: not an IDX file (magic starts ${hex(bytes[0]!)} ${hex(bytes[1]!)}, expected 00 00; gzipped files must be decompressed first)`);
  }
  if (bytes[2] !== 0x08) throw new DatasetError(`${file}: IDX element type ${hex(bytes[2]!)} is not supported (expected 0x08, unsigned byte)`);
  const nd = bytes[3]!;
  const headerLength = 4 + 4 * nd;
  if (nd === 0 || bytes.length < headerLength) throw new DatasetError(`${file}: truncated IDX header (${nd} dims, ${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let size = 1;
  for (let d = 0; d < nd; d++) {
    const n = view.getUint32(4 + 4 * d, false);
    dims.push(n);
    size *= n;
  }
  if (bytes.length !== headerLength + size) {
    throw new DatasetError(`${file}: IDX header says dims [${dims.join(', ')}] (${size} bytes of data) but the file has ${bytes.length - headerLength} bytes of data`);
  }
  return { dims, data: bytes.subarray(headerLength) };
}

/** Writes an IDX file of unsigned bytes (the inverse of {@link parseIdx}). */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out[2] = 0x08;
  out[3] = dims.length;
  const view = new DataView(out.buffer);
  dims.forEach((n, d) => view.setUint32(4 + 4 * d, n, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

/**
 * Checks and joins an MNIST image file and label file: images must be [n, 28, 28], labels [n]
 * with values below 10.
 */
export function idxImagesAndLabels(images: IdxArray, imagesFile: string, labels: IdxArray, labelsFile: string): { images: Uint8Array; labels: Uint8Array } {
  if (images.dims.length !== 3 || images.dims[1] !== 28 || images.dims[2] !== 28) {
    throw new DatasetError(`${imagesFile}: expected images of dims [n, 28, 28], got [${images.dims.join(', ')}]`);
  }
  if (labels.dims.length !== 1) throw new DatasetError(`${labelsFile}: expected labels of dims [n], got [${labels.dims.join(', ')}]`);
  if (labels.dims[0] !== images.dims[0]) {
    throw new DatasetError(`${labelsFile}: ${labels.dims[0]} labels for ${images.dims[0]} images in ${imagesFile}`);
  }
  const bad = labels.data.findIndex((v) => v > 9);
  if (bad >= 0) throw new DatasetError(`${labelsFile}: label ${labels.data[bad]} at index ${bad} is not a class in 0..9`);
  return { images: images.data, labels: labels.data };
}

function hex(b: number): string {
  return `0x${b.toString(16).padStart(2, '0')}`;
}
