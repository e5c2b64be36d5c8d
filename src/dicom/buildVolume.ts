import { availableParallelism } from 'node:os';
import type { Volume, VoxelArray } from '../volume/Volume';
import { DicomReadError } from './DicomReadError';
import type { DicomSlice, PixelFormat } from './DicomSlice';
import { framePixels, releaseFrameCache } from './framePixels';
import { sliceGeometry } from './sliceGeometry';
import type { SeriesWarning } from './sliceGeometry';
import { pixelEncoding } from './transferSyntax';
import type { PixelEncoding } from './transferSyntax';

export interface BuildOptions {
  signal?: AbortSignal;
  /** slices written so far, of all */
  onProgress?: (done: number, total: number) => void;
}

/** Smallest and largest stored value Bits Stored allows. */
function storedRange(format: PixelFormat): [number, number] {
  if (format.float) return [-Infinity, Infinity];
  const bits = format.bitsStored;
  return format.pixelRepresentation === 1
    ? [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1]
    : [0, 2 ** bits - 1];
}

type Constructor = (new (length: number) => VoxelArray) & { BYTES_PER_ELEMENT: number };

/** An output array type, and the range its values must be checked against when it is a guess. */
interface OutputChoice {
  Output: Constructor;
  /** set when the header allows values the type cannot hold: checked voxel by voxel */
  limits?: [number, number];
}

/**
 * The narrowest array holding every rescaled value exactly, decided from the headers so the
 * pixels can be read once, straight into it. Float when slope or intercept are not integers or
 * vary between slices (as dcm2niix would need a float volume for them). Where Bits Stored allows
 * more than 16 bits hold after the rescale (a signed 16-bit CT with intercept -1024), 16 bits are
 * tried and checked, and the series is read again as float only if a value does not fit.
 */
function outputType(slices: DicomSlice[]): OutputChoice {
  const first = slices[0];
  if (first.format.float) return { Output: Float32Array };
  const varies = slices.some(
    (s) => s.rescaleSlope !== first.rescaleSlope || s.rescaleIntercept !== first.rescaleIntercept,
  );
  const { rescaleSlope: m, rescaleIntercept: b } = first;
  if (varies || !Number.isInteger(m) || !Number.isInteger(b)) return { Output: Float32Array };
  if (first.format.bitsAllocated === 32) {
    // 32-bit integers (dose, some PET) stay integers: float32 is exact only to 2^24.
    if (m !== 1 || b !== 0) return { Output: Float32Array };
    return { Output: first.format.pixelRepresentation === 1 ? Int32Array : Uint32Array };
  }
  const [lo, hi] = storedRange(first.format)
    .map((v) => v * m + b)
    .sort((x, y) => x - y);
  if (first.format.bitsAllocated === 8 && lo >= 0 && hi <= 255) return { Output: Uint8Array };
  if (first.format.bitsAllocated === 8 && lo >= -128 && hi <= 127) return { Output: Int8Array };
  if (lo >= -32768 && hi <= 32767) return { Output: Int16Array };
  if (lo >= 0 && hi <= 65535) return { Output: Uint16Array };
  return lo < 0
    ? { Output: Int16Array, limits: [-32768, 32767] }
    : { Output: Uint16Array, limits: [0, 65535] };
}

/** Below this many compressed frames, starting the decoding threads costs more than it saves. */
const POOL_MIN_FRAMES = 32;
const COMPRESSED = new Set<PixelEncoding>([
  'jpeg-baseline',
  'jpeg-lossless',
  'jpeg-ls',
  'jpeg-2000',
  'htj2k',
  'rle',
]);

/** A value outside the guessed output type's range: the series is read again as float. */
class OutOfRange extends Error {}

/** Reads little-endian stored bytes as values of their type (sign-extended from Bits Stored). */
function storedValues(bytes: Uint8Array, format: PixelFormat): VoxelArray {
  // Typed arrays need an aligned offset: copy only when the bytes are not aligned.
  const width = format.bitsAllocated / 8;
  const aligned = bytes.byteOffset % width === 0 ? bytes : bytes.slice();
  const { buffer, byteOffset } = aligned;
  const count = aligned.length / width;
  const signed = format.pixelRepresentation === 1;
  let values: VoxelArray;
  if (format.float) values = new Float32Array(buffer, byteOffset, count);
  else if (width === 1)
    values = signed
      ? new Int8Array(buffer, byteOffset, count)
      : new Uint8Array(buffer, byteOffset, count);
  else if (width === 2)
    values = signed
      ? new Int16Array(buffer, byteOffset, count)
      : new Uint16Array(buffer, byteOffset, count);
  else
    values = signed
      ? new Int32Array(buffer, byteOffset, count)
      : new Uint32Array(buffer, byteOffset, count);
  if (signed && !format.float && format.bitsStored < format.bitsAllocated) {
    const shift = 32 - format.bitsStored;
    for (let n = 0; n < count; n++) values[n] = (values[n] << shift) >> shift;
  }
  return values;
}

/**
 * out = values * m + b, and whether every value fell within [lo, hi]. One flag for the slice
 * rather than a branch per voxel: this loop is most of the time a rescaled series takes.
 */
function rescale(
  values: VoxelArray,
  out: VoxelArray,
  m: number,
  b: number,
  lo: number,
  hi: number,
): boolean {
  const length = values.length;
  let outside = false;
  for (let n = 0; n < length; n++) {
    const value = values[n] * m + b;
    outside = outside || value < lo || value > hi;
    out[n] = value;
  }
  return !outside;
}

/**
 * Unsigned 16-bit voxels that all fit below 32768 are the same bits as int16: reinterpreted so,
 * at no copy, as dcm2niix stores them, because viewers and networks expect signed 16-bit.
 */
function asInt16IfItFits(voxels: VoxelArray): VoxelArray {
  if (!(voxels instanceof Uint16Array)) return voxels;
  // Two voxels per test: any set sign bit means a value above 32767.
  const pairs = new Uint32Array(voxels.buffer, voxels.byteOffset, voxels.length >> 1);
  let signBits = voxels.length & 1 ? voxels[voxels.length - 1] & 0x8000 : 0;
  for (let n = 0; n < pairs.length; n++) signBits |= pairs[n];
  if (signBits & 0x80008000) return voxels;
  return new Int16Array(voxels.buffer, voxels.byteOffset, voxels.length);
}

/** Reads every slice, in order, into a new array of the chosen type. */
async function fill(
  slices: DicomSlice[],
  { Output, limits }: OutputChoice,
  options: BuildOptions,
): Promise<VoxelArray> {
  const first = slices[0];
  const inPlane = first.rows * first.columns;
  const voxels = new Output(inPlane * slices.length);
  const outBytes = new Uint8Array(voxels.buffer);
  const scratch = new Uint8Array(inPlane * (first.format.bitsAllocated / 8));
  const signedOutput =
    voxels instanceof Int8Array || voxels instanceof Int16Array || voxels instanceof Int32Array;
  const [lo, hi] = limits ?? [-Infinity, Infinity];
  const size = inPlane * Output.BYTES_PER_ELEMENT;
  // Compressed frames decode on every core; anything else is mostly reading, done in order.
  const threads =
    slices.length >= POOL_MIN_FRAMES &&
    slices.every((s) => COMPRESSED.has(pixelEncoding(s.location.transferSyntax) ?? 'native'));

  const readSlice = async (k: number, s: DicomSlice) => {
    const f = s.format;
    const native = pixelEncoding(s.location.transferSyntax) === 'native' && s.location.offset >= 0;
    const sameWidth = Output.BYTES_PER_ELEMENT === f.bitsAllocated / 8;
    const direct =
      native &&
      sameWidth &&
      s.rescaleSlope === 1 &&
      s.rescaleIntercept === 0 &&
      // Unsigned values below the sign bit are the same bits in a signed array.
      (f.float ||
        (f.pixelRepresentation === 1) === signedOutput ||
        (f.pixelRepresentation === 0 && f.bitsStored < f.bitsAllocated)) &&
      !(f.pixelRepresentation === 1 && f.bitsStored < f.bitsAllocated);
    if (direct) {
      // The common case: stored values are the voxels. Read them straight into the volume.
      await framePixels(s, outBytes.subarray(k * size, (k + 1) * size));
      return;
    }
    // Stored values of the same width are read into the volume too and rescaled in place
    // (each voxel is read before it is written); others go through a scratch buffer, which
    // compressed frames (the only ones read concurrently) never use.
    const target = native && sameWidth ? outBytes.subarray(k * size, (k + 1) * size) : scratch;
    const values = storedValues(await framePixels(s, target, { signal: options.signal }), f);
    const offset = k * inPlane;
    if (
      !rescale(
        values,
        voxels.subarray(offset, offset + inPlane),
        s.rescaleSlope,
        s.rescaleIntercept,
        lo,
        hi,
      )
    ) {
      throw new OutOfRange();
    }
  };

  const window = threads ? 2 * availableParallelism() : 1;
  const inFlight = new Set<Promise<void>>();
  // The first failure wins; every task handles its own, so none is left unhandled.
  let failure: { error: unknown } | undefined;
  let done = 0;
  for (const [k, s] of slices.entries()) {
    if (options.signal?.aborted)
      failure ??= { error: options.signal.reason ?? new Error('cancelled') };
    if (failure) break;
    const task: Promise<void> = readSlice(k, s)
      .then(
        () => options.onProgress?.(++done, slices.length),
        (error: unknown) => {
          failure ??= { error };
        },
      )
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
    if (inFlight.size >= window) await Promise.race(inFlight);
    if (k % 16 === 15) await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(inFlight);
  if (failure) throw failure.error;
  return voxels;
}

/**
 * Stacks the slices of one series into a Volume: ordered along the slice normal, spacing from the
 * positions, values rescaled to modality units. Pixels are read one frame at a time into the
 * volume, so memory peaks at one volume and one file. MONOCHROME1 values are kept as they are
 * (they are modality values; inverting them would break Hounsfield units), as dcm2niix keeps
 * them, and flagged so that the viewer inverts its grey scale.
 */
export async function buildVolume(
  input: DicomSlice[],
  options: BuildOptions = {},
): Promise<{ volume: Volume; warnings: SeriesWarning[]; slices: DicomSlice[] }> {
  if (input.length === 0) throw new Error('a series needs at least one slice');
  const { slices, geometry, warnings } = sliceGeometry(input);
  const first = slices[0];
  for (const s of slices) {
    if (s.rows !== first.rows || s.columns !== first.columns) {
      throw new DicomReadError(
        s.path,
        `size ${s.columns}x${s.rows} differs from ${first.columns}x${first.rows} in ${first.path}`,
        'geometry',
      );
    }
    const f = s.format;
    if (
      f.bitsAllocated !== first.format.bitsAllocated ||
      f.pixelRepresentation !== first.format.pixelRepresentation ||
      f.float !== first.format.float
    ) {
      throw new DicomReadError(s.path, `pixel format differs from ${first.path}`, 'unsupported');
    }
  }
  if (slices.some((s) => s.format.photometric === 'MONOCHROME1')) {
    warnings.push({
      code: 'monochrome1',
      message: 'MONOCHROME1: higher values are meant to be shown darker; values kept as stored',
    });
  }
  const choice = outputType(slices);
  try {
    const voxels = await fill(slices, choice, options).catch((error: unknown) => {
      if (error instanceof OutOfRange) return fill(slices, { Output: Float32Array }, options);
      throw error;
    });
    // the slices in volume order too: what a reference to slice k (a SEG's) must name
    return { volume: { geometry, voxels: asInt16IfItFits(voxels) }, warnings, slices };
  } finally {
    releaseFrameCache();
  }
}
