import type { VolumeGeometry, VoxelType } from '../../src/api';

/** The typed arrays Cornerstone3D's local volumes accept. */
export type ScalarArray = Uint8Array | Int16Array | Uint16Array | Float32Array;

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
  const bytesPerVoxel = { int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, float32: 4 };
  const expected = count * bytesPerVoxel[voxelType];
  if (buffer.byteLength !== expected) {
    throw new Error(
      `the volume has ${buffer.byteLength} bytes, its geometry needs ${expected} (${voxelType})`,
    );
  }
  switch (voxelType) {
    case 'uint8':
      return new Uint8Array(buffer);
    case 'int16':
      return new Int16Array(buffer);
    case 'uint16':
      return new Uint16Array(buffer);
    case 'float32':
      return new Float32Array(buffer);
    case 'int8':
      return Float32Array.from(new Int8Array(buffer));
    case 'int32':
      return Float32Array.from(new Int32Array(buffer));
    case 'uint32':
      return Float32Array.from(new Uint32Array(buffer));
  }
}

/**
 * An initial window from the voxel distribution: the 0.5th to the 99.5th percentile of a sample,
 * which suits MR (whose maximum is often a few bright outliers) as well as CT.
 */
export function initialWindow(voxels: ScalarArray, range: [number, number]): [number, number] {
  const sampleSize = 200_000;
  const step = Math.max(1, Math.floor(voxels.length / sampleSize));
  const sample: number[] = [];
  for (let index = 0; index < voxels.length; index += step) sample.push(voxels[index] ?? 0);
  sample.sort((a, b) => a - b);
  const at = (q: number) => sample[Math.min(sample.length - 1, Math.floor(q * sample.length))];
  const lower = at(0.005) ?? range[0];
  const upper = at(0.995) ?? range[1];
  return upper > lower ? [lower, upper] : [range[0], Math.max(range[1], range[0] + 1)];
}

export function countNonZero(values: ArrayLike<number>): number {
  let count = 0;
  for (let index = 0; index < values.length; index++) if (values[index] !== 0) count++;
  return count;
}
