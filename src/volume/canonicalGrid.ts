import type { VolumeGeometry } from './geometry';
import { voxelToLps } from './affine';

/** Which stored voxel axis (0 column, 1 row, 2 slice) a canonical axis runs along, and whether backwards. */
export interface CanonicalAxis {
  axis: 0 | 1 | 2;
  flip: boolean;
}

/**
 * For each LPS axis, the stored voxel axis most aligned with it and whether it runs backwards:
 * always a signed permutation of the stored axes, oblique grids included (their directions are
 * kept, only the order of the axes changes).
 */
export function canonicalAxes(
  geometry: VolumeGeometry,
): [CanonicalAxis, CanonicalAxis, CanonicalAxis] {
  const d = geometry.direction;
  const axes = [0, 1, 2].map((a) => [d[3 * a], d[3 * a + 1], d[3 * a + 2]]);
  const used = new Set<number>();
  return [0, 1, 2].map((lps) => {
    const best = ([0, 1, 2] as const)
      .filter((a) => !used.has(a))
      .reduce((a, b) => (Math.abs(axes[b][lps]) > Math.abs(axes[a][lps]) ? b : a));
    used.add(best);
    return { axis: best, flip: axes[best][lps] < 0 };
  }) as [CanonicalAxis, CanonicalAxis, CanonicalAxis];
}

/**
 * The same voxels indexed so that i runs towards the patient's left, j posterior and k superior
 * (the closest such axes for an oblique grid): how an axial series is usually stored. Networks
 * are not rotation invariant, so every volume is shown to a model in this one orientation
 * (as nnU-Net reorients to a standard one), whatever plane it was acquired in.
 */
export function canonicalGrid(geometry: VolumeGeometry): VolumeGeometry {
  const d = geometry.direction;
  const order = canonicalAxes(geometry);
  const corner = [0, 0, 0] as [number, number, number];
  for (const { axis, flip } of order) if (flip) corner[axis] = geometry.dimensions[axis] - 1;
  // + 0 turns -0 into 0, so that equal grids compare equal.
  const direction = order.flatMap(({ axis, flip }) =>
    [d[3 * axis], d[3 * axis + 1], d[3 * axis + 2]].map((v) => (flip ? -v : v) + 0),
  );
  return {
    dimensions: order.map(({ axis }) => geometry.dimensions[axis]) as VolumeGeometry['dimensions'],
    spacing: order.map(({ axis }) => geometry.spacing[axis]) as VolumeGeometry['spacing'],
    origin: voxelToLps(geometry, corner),
    direction: direction as VolumeGeometry['direction'],
  };
}
