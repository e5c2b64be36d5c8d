import { sizeOf, type StateDict } from './hostTensor';
import { readElement, WeightFileError } from './readPth';

const DTYPES: Record<string, [string, number]> = {
  F32: ['float32', 4],
  F64: ['float64', 8],
  F16: ['float16', 2],
  BF16: ['bfloat16', 2],
  I64: ['int64', 8],
  I32: ['int32', 4],
  I16: ['int16', 2],
  I8: ['int8', 1],
  U8: ['uint8', 1],
  BOOL: ['bool', 1],
};

interface Entry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** Reads a .safetensors file (8-byte header length, JSON header, raw little-endian data). */
export function readSafetensors(file: Uint8Array, source = 'the .safetensors file'): StateDict {
  if (file.length < 8) throw new WeightFileError(`${source} is truncated: ${file.length} bytes`);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > file.length - 8) {
    throw new WeightFileError(
      `${source} is not a safetensors file or is truncated: header of ${headerLength} bytes in a file of ${file.length}`,
    );
  }
  let header: Record<string, Entry | Record<string, string>>;
  try {
    header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + headerLength)));
  } catch {
    throw new WeightFileError(`${source} is not a safetensors file: its header is not JSON`);
  }
  const data = file.subarray(8 + headerLength);
  const out: StateDict = new Map();
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const entry = raw as Entry;
    const dtype = DTYPES[entry.dtype];
    if (!dtype)
      throw new WeightFileError(`${source}: tensor ${name} has unsupported dtype ${entry.dtype}`);
    const [begin, end] = entry.data_offsets;
    const n = sizeOf(entry.shape);
    if (end - begin !== n * dtype[1])
      throw new WeightFileError(
        `${source}: tensor ${name} has ${end - begin} bytes for shape [${entry.shape.join(', ')}]`,
      );
    if (end > data.length)
      throw new WeightFileError(
        `${source} is truncated: tensor ${name} ends at byte ${end} of ${data.length}`,
      );
    const bytes = data.subarray(begin, end);
    const values = new Float32Array(n);
    if (dtype[0] === 'float32' && bytes.byteOffset % 4 === 0) {
      values.set(new Float32Array(bytes.buffer, bytes.byteOffset, n));
    } else {
      const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i < n; i++) values[i] = readElement(v, dtype[0], i);
    }
    out.set(name, { shape: entry.shape, data: values });
  }
  return out;
}

/** Writes float32 tensors as a .safetensors file, names sorted as the format recommends. */
export function writeSafetensors(
  state: StateDict,
  metadata: Record<string, string> = {},
): Uint8Array {
  const names = [...state.keys()].sort();
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const name of names) {
    const t = state.get(name);
    if (!t) continue;
    header[name] = {
      dtype: 'F32',
      shape: t.shape,
      data_offsets: [offset, offset + t.data.length * 4],
    };
    offset += t.data.length * 4;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  // Pad the header so the data starts 8-byte aligned, which lets readers view it in place.
  const headerBytes = new Uint8Array(json.length + ((8 - (json.length % 8)) % 8)).fill(0x20);
  headerBytes.set(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    const t = state.get(name);
    if (!t) continue;
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.length * 4), at);
    at += t.data.length * 4;
  }
  return out;
}
