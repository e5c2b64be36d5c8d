import type { VolumeGeometry } from './geometry';
import { lpsAffine } from './affine';
import type { Affine } from './affine';
import type { VoxelArray } from './Volume';
import type { VoxelView } from './VoxelView';

export type Interpolation = 'linear' | 'nearest';

function invertAffine(a: Affine): Affine {
  const [r0, r1, r2] = a;
  const m = [r0.slice(0, 3), r1.slice(0, 3), r2.slice(0, 3)];
  const det =
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
    m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
    m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  const inv = [0, 1, 2].map((r) =>
    [0, 1, 2].map((c) => {
      const rows = [0, 1, 2].filter((x) => x !== c);
      const cols = [0, 1, 2].filter((x) => x !== r);
      const minor =
        m[rows[0]][cols[0]] * m[rows[1]][cols[1]] - m[rows[0]][cols[1]] * m[rows[1]][cols[0]];
      return ((r + c) % 2 ? -minor : minor) / det;
    }),
  );
  const t = [0, 1, 2].map((r) => -(inv[r][0] * r0[3] + inv[r][1] * r1[3] + inv[r][2] * r2[3]));
  return [
    [inv[0][0], inv[0][1], inv[0][2], t[0]],
    [inv[1][0], inv[1][1], inv[1][2], t[1]],
    [inv[2][0], inv[2][1], inv[2][2], t[2]],
    [0, 0, 0, 1],
  ];
}

function multiply(a: Affine, b: Affine): Affine {
  return [0, 1, 2, 3].map((r) =>
    [0, 1, 2, 3].map(
      (c) => a[r][0] * b[0][c] + a[r][1] * b[1][c] + a[r][2] * b[2][c] + a[r][3] * b[3][c],
    ),
  ) as Affine;
}

/** The grid that covers the same field of view as `geometry` at `spacing`, same orientation. */
export function gridAtSpacing(
  geometry: VolumeGeometry,
  spacing: [number, number, number],
): VolumeGeometry {
  const dimensions = geometry.dimensions.map((n, a) =>
    Math.max(1, Math.round((n * geometry.spacing[a]) / spacing[a])),
  ) as VolumeGeometry['dimensions'];
  // Keep the field of view centred: voxel centres shift by half the change in voxel size.
  const origin = geometry.origin.map((o, r) => {
    let shift = 0;
    for (let a = 0; a < 3; a++)
      shift += (geometry.direction[3 * a + r] * (spacing[a] - geometry.spacing[a])) / 2;
    return o + shift;
  }) as VolumeGeometry['origin'];
  return { dimensions, spacing, origin, direction: geometry.direction };
}

/** Row r of the map from voxel indices (i, j, k, 1) of one grid to the voxel indices of another. */
export type IndexRow = readonly [number, number, number, number];

/** The map from voxel indices of `to` to (fractional) voxel indices of `from`: one row an axis of `from`. */
export function voxelToVoxel(
  from: VolumeGeometry,
  to: VolumeGeometry,
): [IndexRow, IndexRow, IndexRow] {
  const m = multiply(invertAffine(lpsAffine(from)), lpsAffine(to));
  return [m[0], m[1], m[2]];
}

/**
 * Where voxel (i, j, k) of `to` lies along the axis of `from` that `row` of `voxelToVoxel` maps
 * to, `n` voxels long: clamped to its edge voxels, so that positions outside take the nearest.
 */
export function along(row: IndexRow, n: number, i: number, j: number, k: number): number {
  return Math.min(n - 1, Math.max(0, row[0] * i + row[1] * j + row[2] * k + row[3]));
}

/**
 * The index along that axis of the voxel of `from` nearest to voxel (i, j, k) of `to`: the one
 * rounding of nearest-neighbour resampling, for whoever must give `resample`'s labels exactly.
 */
export function nearestAlong(row: IndexRow, n: number, i: number, j: number, k: number): number {
  return Math.round(along(row, n, i, j, k));
}

/**
 * The value of `voxels` (on `from`) at voxel (i, j, k) of `to`: trilinear for images, nearest
 * for labels. Positions outside the source take the nearest edge voxel, so borders do not darken.
 */
function sampler(
  voxels: VoxelArray,
  from: VolumeGeometry,
  to: VolumeGeometry,
  interpolation: Interpolation,
): (i: number, j: number, k: number) => number {
  const [mx, my, mz] = voxelToVoxel(from, to);
  const [sx, sy, sz] = from.dimensions;
  const at = (i: number, j: number, k: number) => voxels[(k * sy + j) * sx + i];
  return (i, j, k) => {
    if (interpolation === 'nearest') {
      return at(
        nearestAlong(mx, sx, i, j, k),
        nearestAlong(my, sy, i, j, k),
        nearestAlong(mz, sz, i, j, k),
      );
    }
    const x = along(mx, sx, i, j, k);
    const y = along(my, sy, i, j, k);
    const z = along(mz, sz, i, j, k);
    const x0 = Math.floor(x);
    const y0 = Math.floor(y);
    const z0 = Math.floor(z);
    const x1 = Math.min(x0 + 1, sx - 1);
    const y1 = Math.min(y0 + 1, sy - 1);
    const z1 = Math.min(z0 + 1, sz - 1);
    const fx = x - x0;
    const fy = y - y0;
    const fz = z - z0;
    const c00 = at(x0, y0, z0) * (1 - fx) + at(x1, y0, z0) * fx;
    const c10 = at(x0, y1, z0) * (1 - fx) + at(x1, y1, z0) * fx;
    const c01 = at(x0, y0, z1) * (1 - fx) + at(x1, y0, z1) * fx;
    const c11 = at(x0, y1, z1) * (1 - fx) + at(x1, y1, z1) * fx;
    return (c00 * (1 - fy) + c10 * fy) * (1 - fz) + (c01 * (1 - fy) + c11 * fy) * fz;
  };
}

/**
 * Samples `voxels` (on `from`) at the voxel centres of slices [k0, k1) of `to` into `out`, from
 * its start: a slab of a resampled volume, so that a large one never needs to exist whole.
 */
export function resampleSlices(
  voxels: VoxelArray,
  from: VolumeGeometry,
  to: VolumeGeometry,
  interpolation: Interpolation,
  k0: number,
  k1: number,
  out: VoxelArray,
): VoxelArray {
  const sample = sampler(voxels, from, to, interpolation);
  const [tx, ty] = to.dimensions;
  let n = 0;
  for (let k = k0; k < k1; k++)
    for (let j = 0; j < ty; j++) for (let i = 0; i < tx; i++, n++) out[n] = sample(i, j, k);
  return out;
}

/** Samples `voxels` (on `from`) at every voxel centre of `to` (see `resampleSlices`). */
export function resample(
  voxels: VoxelArray,
  from: VolumeGeometry,
  to: VolumeGeometry,
  interpolation: Interpolation,
  out: VoxelArray = new Float32Array(to.dimensions[0] * to.dimensions[1] * to.dimensions[2]),
): VoxelArray {
  return resampleSlices(voxels, from, to, interpolation, 0, to.dimensions[2], out);
}

/**
 * `voxels` trilinearly resampled onto `to` and rounded to float32, as `resample` would store
 * them, but computed voxel by voxel when read: per-volume statistics without the copy.
 */
export function resampledView(
  voxels: VoxelArray,
  from: VolumeGeometry,
  to: VolumeGeometry,
): VoxelView {
  const sample = sampler(voxels, from, to, 'linear');
  const [tx, ty, tz] = to.dimensions;
  return {
    length: tx * ty * tz,
    value: (n) => Math.fround(sample(n % tx, Math.floor(n / tx) % ty, Math.floor(n / (tx * ty)))),
  };
}
