import { voxelToLps } from '../../src/volume/affine';
import type { Volume, VolumeGeometry, VoxelArray } from '../../src/volume/Volume';

/** A stored axis (0 column, 1 row, 2 slice) of the new volume: which old axis, and whether reversed. */
export type StoredAxis = [axis: 0 | 1 | 2, flip: boolean];

/** How a scanner would have stored an axial (L, P, S) volume in other planes. */
export const PLANES = {
  // rows run posterior, columns inferior, slices from the left to the right: [0,1,0, 0,0,-1]
  sagittal: [
    [1, false],
    [2, true],
    [0, true],
  ],
  // rows run left, columns inferior, slices posterior: [1,0,0, 0,0,-1]
  coronal: [
    [0, false],
    [2, true],
    [1, false],
  ],
} satisfies Record<string, [StoredAxis, StoredAxis, StoredAxis]>;

/**
 * The same voxels at the same patient positions, stored with the axes in another order and
 * direction: what a sagittal or coronal acquisition of the same grid would hold.
 */
export function restoreGeometry(
  g: VolumeGeometry,
  axes: [StoredAxis, StoredAxis, StoredAxis],
): VolumeGeometry {
  const corner: [number, number, number] = [0, 0, 0];
  for (const [axis, flip] of axes) if (flip) corner[axis] = g.dimensions[axis] - 1;
  const d = g.direction;
  return {
    dimensions: axes.map(([a]) => g.dimensions[a]) as VolumeGeometry['dimensions'],
    spacing: axes.map(([a]) => g.spacing[a]) as VolumeGeometry['spacing'],
    origin: voxelToLps(g, corner),
    direction: axes.flatMap(([a, flip]) =>
      [d[3 * a], d[3 * a + 1], d[3 * a + 2]].map((v) => (flip ? -v : v) + 0),
    ) as VolumeGeometry['direction'],
  };
}

/** `voxels` (on `g`) stored as `restoreGeometry(g, axes)` stores them. */
export function restoreVoxels<T extends VoxelArray>(
  voxels: T,
  g: VolumeGeometry,
  axes: [StoredAxis, StoredAxis, StoredAxis],
): T {
  const out = new (voxels.constructor as new (n: number) => T)(voxels.length);
  const [nx, ny] = g.dimensions;
  const stride = [1, nx, nx * ny];
  const dims = axes.map(([a]) => g.dimensions[a]);
  const at = [0, 0, 0];
  for (let k = 0, n = 0; k < dims[2]; k++)
    for (let j = 0; j < dims[1]; j++)
      for (let i = 0; i < dims[0]; i++, n++) {
        [i, j, k].forEach((v, b) => {
          const [a, flip] = axes[b];
          at[a] = flip ? dims[b] - 1 - v : v;
        });
        out[n] = voxels[at[0] * stride[0] + at[1] * stride[1] + at[2] * stride[2]];
      }
  return out;
}

export function restoreVolume(volume: Volume, axes: [StoredAxis, StoredAxis, StoredAxis]): Volume {
  return {
    geometry: restoreGeometry(volume.geometry, axes),
    voxels: restoreVoxels(volume.voxels, volume.geometry, axes),
  };
}

/** The box [from, from + size) of a volume (columns, rows, slices), with its geometry. */
export function cropVolume(
  volume: Volume,
  from: [number, number, number],
  size: [number, number, number],
): Volume {
  const [nx, ny] = volume.geometry.dimensions;
  const voxels = new (volume.voxels.constructor as new (n: number) => VoxelArray)(
    size[0] * size[1] * size[2],
  );
  for (let k = 0, n = 0; k < size[2]; k++)
    for (let j = 0; j < size[1]; j++)
      for (let i = 0; i < size[0]; i++, n++)
        voxels[n] = volume.voxels[((from[2] + k) * ny + from[1] + j) * nx + from[0] + i];
  return {
    geometry: {
      ...volume.geometry,
      dimensions: size,
      origin: voxelToLps(volume.geometry, from),
    },
    voxels,
  };
}
