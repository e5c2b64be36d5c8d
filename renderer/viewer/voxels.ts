import { bytesPerVoxel, voxelArrays, type VolumeGeometry, type VoxelType } from '../../src/api';

/** The typed arrays Cornerstone3D's local volumes accept. */
export type ScalarArray = Uint8Array | Int16Array | Uint16Array | Float32Array;

/** The voxel types Cornerstone3D holds as they are; toScalarArray converts the others. */
const HELD: ReadonlySet<VoxelType> = new Set(['uint8', 'int16', 'uint16', 'float32']);

/** Bits per voxel of the array toScalarArray makes of `voxelType` (32 where it converts). */
export function scalarBitsOf(voxelType: VoxelType): number {
  return HELD.has(voxelType) ? 8 * bytesPerVoxel(voxelType) : 32;
}

/**
 * Views the core's raw little-endian voxels as a typed array Cornerstone3D can hold. The types it
 * cannot (int8, int32, uint32) are converted to float32, which is exact for every int8 and for
 * int32 magnitudes below 2^24 (all real CT and MR values).
 */
export function toScalarArray(
  buffer: ArrayBuffer,
  voxelType: VoxelType,
  geometry: VolumeGeometry,
): ScalarArray {
  const [columns, rows, slices] = geometry.dimensions;
  const count = columns * rows * slices;
  const expected = count * bytesPerVoxel(voxelType);
  if (buffer.byteLength !== expected) {
    throw new Error(
      `the volume has ${buffer.byteLength} bytes, its geometry needs ${expected} (${voxelType})`,
    );
  }
  const voxels = new voxelArrays[voxelType](buffer);
  return HELD.has(voxelType) ? (voxels as ScalarArray) : Float32Array.from(voxels);
}

/** Voxels the auto window looks at: all of a volume up to this many, an even sample beyond. */
const AUTO_WINDOW_SAMPLE = 2_000_000;
const BINS = 65_536;

/**
 * The "auto" window (ITK-SNAP's and Slicer's default for MR): the 0.5th to the 99.5th percentile
 * of the non-zero voxels, so that the air around the head and a few bright vessels or fat do not
 * wash the tissue out. A histogram rather than a sort: exact for 8 and 16 bit data (one bin per
 * value), 65536 bins across the range for float data. Volumes above two million voxels are
 * sampled evenly (every n-th voxel), which keeps it a few milliseconds on a 500-slice series.
 */
export function autoWindow(
  voxels: ScalarArray,
  range: [number, number],
  quantiles: [number, number] = [0.005, 0.995],
): [number, number] {
  const step = Math.max(1, Math.floor(voxels.length / AUTO_WINDOW_SAMPLE));
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < voxels.length; index += step) {
    const value = voxels[index] ?? 0;
    if (value === 0) continue;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  const fallback: [number, number] = [range[0], Math.max(range[1], range[0] + 1)];
  if (!(max > min)) return fallback;
  const integer = !(voxels instanceof Float32Array) && max - min < BINS;
  const width = integer ? 1 : (max - min) / (BINS - 1);
  const histogram = new Uint32Array(BINS);
  let count = 0;
  for (let index = 0; index < voxels.length; index += step) {
    const value = voxels[index] ?? 0;
    if (value === 0) continue;
    histogram[Math.floor((value - min) / width)]++;
    count++;
  }
  const at = (q: number): number => {
    const rank = Math.min(count - 1, Math.floor(q * count));
    let seen = 0;
    for (let bin = 0; bin < BINS; bin++) {
      seen += histogram[bin] ?? 0;
      if (seen > rank) return min + bin * width;
    }
    return max;
  };
  const lower = at(quantiles[0]);
  const upper = at(quantiles[1]);
  return upper > lower ? [lower, upper] : fallback;
}

export function countNonZero(values: ArrayLike<number>): number {
  let count = 0;
  for (let index = 0; index < values.length; index++) if (values[index] !== 0) count++;
  return count;
}
