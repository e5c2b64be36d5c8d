import { unzipSync } from 'fflate';
import { sizeOf, type HostTensor, type StateDict } from './hostTensor';
import { unpickle, type PyGlobal } from './pickle';

/** A weight file that cannot be read: wrong format, truncated, or holding something else. */
export class WeightFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WeightFileError';
  }
}

const STORAGE_TYPES: Record<string, string> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

const BYTES: Record<string, number> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

interface Storage {
  dtype: string;
  bytes: Uint8Array;
}

interface TensorRef {
  kind: 'tensor';
  storage: Storage;
  offset: number;
  shape: number[];
  stride: number[];
}

export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Element i of a little-endian buffer of the given dtype, as a float. */
export function readElement(view: DataView, dtype: string, i: number): number {
  switch (dtype) {
    case 'float32':
      return view.getFloat32(i * 4, true);
    case 'float64':
      return view.getFloat64(i * 8, true);
    case 'float16':
      return halfToFloat(view.getUint16(i * 2, true));
    case 'bfloat16':
      return new Float32Array(new Uint32Array([view.getUint16(i * 2, true) << 16]).buffer)[0];
    case 'int64':
      return Number(view.getBigInt64(i * 8, true));
    case 'int32':
      return view.getInt32(i * 4, true);
    case 'int16':
      return view.getInt16(i * 2, true);
    case 'int8':
      return view.getInt8(i);
    default:
      return view.getUint8(i);
  }
}

function materialise(name: string, t: TensorRef): HostTensor {
  const n = sizeOf(t.shape);
  const { dtype, bytes } = t.storage;
  const width = BYTES[dtype];
  // Largest element index the strides reach, to refuse a storage cut short before reading.
  const last = t.offset + t.shape.reduce((acc, s, i) => acc + (s - 1) * (t.stride[i] ?? 0), 0);
  if (n > 0 && (last + 1) * width > bytes.length) {
    throw new WeightFileError(
      `tensor ${name} needs ${(last + 1) * width} bytes, its storage holds ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const data = new Float32Array(n);
  const contiguous = t.stride.every((s, i) => s === sizeOf(t.shape.slice(i + 1)));
  if (contiguous && dtype === 'float32' && (bytes.byteOffset + t.offset * 4) % 4 === 0) {
    data.set(new Float32Array(bytes.buffer, bytes.byteOffset + t.offset * 4, n));
    return { shape: t.shape, data };
  }
  const index = new Array<number>(t.shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    let src = t.offset;
    for (let d = 0; d < index.length; d++) src += index[d] * t.stride[d];
    data[k] = readElement(view, dtype, src);
    for (let d = index.length - 1; d >= 0; d--) {
      if (++index[d] < t.shape[d]) break;
      index[d] = 0;
    }
  }
  return { shape: t.shape, data };
}

function isTensor(v: unknown): v is TensorRef {
  return typeof v === 'object' && v !== null && (v as TensorRef).kind === 'tensor';
}

/**
 * Reads a PyTorch checkpoint (torch.save's zip: <name>/data.pkl plus one file per storage) into
 * a state dict, without Python. Accepts a bare state dict or one under 'state_dict' / 'model',
 * and drops DataParallel's 'module.' prefix.
 */
export function readPth(file: Uint8Array, source = 'the .pth file'): StateDict {
  if (file.length < 4 || file[0] !== 0x50 || file[1] !== 0x4b) {
    throw new WeightFileError(
      `${source} is not a PyTorch checkpoint: not a zip archive (legacy pre-1.6 pickles are not read)`,
    );
  }
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(file);
  } catch (e) {
    throw new WeightFileError(
      `${source} is a damaged or truncated zip archive: ${(e as Error).message}`,
    );
  }
  const pkl = Object.keys(entries).find((k) => k.endsWith('/data.pkl') || k === 'data.pkl');
  if (!pkl) throw new WeightFileError(`${source} holds no data.pkl: not a torch.save checkpoint`);
  const root = pkl.slice(0, -'data.pkl'.length);
  const byteorder = entries[`${root}byteorder`];
  if (byteorder && new TextDecoder().decode(byteorder).trim() !== 'little') {
    throw new WeightFileError(`${source} was written on a big-endian machine: not supported`);
  }
  const storages = new Map<string, Storage>();
  const obj = unpickle(entries[pkl], {
    persistentLoad: (pid) => {
      const [tag, type, key] = pid as [string, PyGlobal, string];
      if (tag !== 'storage')
        throw new WeightFileError(`${source}: unknown persistent id ${String(tag)}`);
      const dtype = STORAGE_TYPES[type.name];
      if (!dtype)
        throw new WeightFileError(
          `${source}: unsupported storage type ${type.module}.${type.name}`,
        );
      let s = storages.get(key);
      if (!s) {
        const bytes = entries[`${root}data/${key}`];
        if (!bytes)
          throw new WeightFileError(`${source}: storage ${key} is missing from the archive`);
        s = { dtype, bytes };
        storages.set(key, s);
      }
      return s;
    },
    construct: (callable, args) => {
      const fn = `${callable.module}.${callable.name}`;
      switch (fn) {
        case 'collections.OrderedDict':
          return new Map();
        case 'torch._utils._rebuild_tensor_v2':
        case 'torch._utils._rebuild_tensor': {
          const [storage, offset, shape, stride] = args as [Storage, number, number[], number[]];
          return {
            kind: 'tensor',
            storage,
            offset,
            shape: [...shape],
            stride: [...stride],
          } satisfies TensorRef;
        }
        case 'torch._utils._rebuild_parameter':
          return args[0];
        default:
          throw new WeightFileError(
            `${source}: the checkpoint holds a ${fn}, which a weight file should not`,
          );
      }
    },
  });
  let dict = obj;
  if (dict instanceof Map && !([...dict.values()] as unknown[]).some(isTensor)) {
    dict = dict.get('state_dict') ?? dict.get('model') ?? dict;
  }
  if (!(dict instanceof Map)) throw new WeightFileError(`${source} holds no state dict`);
  const out: StateDict = new Map();
  for (const [key, value] of dict as Map<unknown, unknown>) {
    if (!isTensor(value)) continue;
    const name = String(key).replace(/^module\./, '');
    out.set(name, materialise(name, value));
  }
  if (out.size === 0) throw new WeightFileError(`${source} holds no tensors`);
  return out;
}
