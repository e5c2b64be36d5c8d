import type { VolumeGeometry, VoxelType } from './geometry';

export type { VolumeGeometry, VoxelType };

export type VoxelArray =
  Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array;

/** Voxels in `[slice][row][column]` order plus their LPS geometry (../shared/DESIGN.md, "Geometry"). */
export interface Volume {
  geometry: VolumeGeometry;
  voxels: VoxelArray;
}

export function voxelTypeOf(voxels: VoxelArray): VoxelType {
  if (voxels instanceof Int8Array) return 'int8';
  if (voxels instanceof Uint8Array) return 'uint8';
  if (voxels instanceof Int16Array) return 'int16';
  if (voxels instanceof Uint16Array) return 'uint16';
  if (voxels instanceof Int32Array) return 'int32';
  if (voxels instanceof Uint32Array) return 'uint32';
  return 'float32';
}

export function voxelCount(geometry: VolumeGeometry): number {
  const [cols, rows, slices] = geometry.dimensions;
  return cols * rows * slices;
}

export function voxelRange(voxels: VoxelArray): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let n = 0; n < voxels.length; n++) {
    const v = voxels[n];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return voxels.length ? [min, max] : [0, 0];
}
