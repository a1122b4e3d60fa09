export { SafetensorsError } from './errors.js';
export {
  encodeSafetensors,
  decodeSafetensors,
  isSafetensorsDType,
  itemSize,
  SAFETENSORS_DTYPES,
  DEFAULT_MAX_HEADER_BYTES,
  type SafetensorsDType,
  type SafetensorsEntry,
  type DecodedTensor,
  type DecodedSafetensors,
  type DecodeOptions,
} from './format.js';
export { saveSafetensors, loadSafetensors, readSafetensorsMetadata, type LoadOptions } from './io.js';
