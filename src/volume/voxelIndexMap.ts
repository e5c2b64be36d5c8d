import { canonicalAxes } from './canonicalGrid';
import type { VolumeGeometry, VoxelArray } from './Volume';
import type { VoxelView } from './VoxelView';

/**
 * Where voxel (i, j, k) of one grid lies in the buffer of another that holds the same voxels in
 * another axis order: `offset + i * strides[0] + j * strides[1] + k * strides[2]`. A signed
 * permutation of axes is exactly this, so re-indexing needs no copy and no interpolation.
 */
export interface VoxelIndexMap {
  offset: number;
  strides: [number, number, number];
}

/** The map of a buffer onto itself: columns, rows, slices of `dimensions`. */
export function identityIndexMap(dimensions: [number, number, number]): VoxelIndexMap {
  return { offset: 0, strides: [1, dimensions[0], dimensions[0] * dimensions[1]] };
}

/** Where each voxel of `canonicalGrid(geometry)` lies among the voxels stored on `geometry`. */
export function canonicalIndexMap(geometry: VolumeGeometry): VoxelIndexMap {
  const stored = identityIndexMap(geometry.dimensions).strides;
  let offset = 0;
  const strides = canonicalAxes(geometry).map(({ axis, flip }) => {
    if (!flip) return stored[axis];
    offset += (geometry.dimensions[axis] - 1) * stored[axis];
    return -stored[axis];
  }) as [number, number, number];
  return { offset, strides };
}

/** `voxels` read in the order of a grid of `dimensions` (columns, rows, slices) through `map`. */
export function indexedView(
  voxels: VoxelArray,
  dimensions: [number, number, number],
  map: VoxelIndexMap,
): VoxelView {
  const [cols, rows, slices] = dimensions;
  const [si, sj, sk] = map.strides;
  if (map.offset === 0 && si === 1 && sj === cols && sk === cols * rows) {
    return { length: voxels.length, value: (n) => voxels[n] };
  }
  return {
    length: cols * rows * slices,
    value(n) {
      const i = n % cols;
      const j = Math.floor(n / cols) % rows;
      const k = Math.floor(n / (cols * rows));
      return voxels[map.offset + i * si + j * sj + k * sk];
    },
  };
}
