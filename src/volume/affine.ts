import type { VolumeGeometry } from './geometry';

/** 4x4 row-major matrix mapping homogeneous voxel index (i, j, k, 1) to a patient position. */
export type Affine = [
  [number, number, number, number],
  [number, number, number, number],
  [number, number, number, number],
  [number, number, number, number],
];

/** Voxel index -> LPS mm: origin + i*sx*row + j*sy*col + k*sz*normal. */
export function lpsAffine(geometry: VolumeGeometry): Affine {
  const { spacing, origin, direction: d } = geometry;
  const row = (r: 0 | 1 | 2): [number, number, number, number] => [
    d[r] * spacing[0],
    d[3 + r] * spacing[1],
    d[6 + r] * spacing[2],
    origin[r],
  ];
  return [row(0), row(1), row(2), [0, 0, 0, 1]];
}

/** NIfTI's RAS+ world: LPS with x and y negated. */
export function rasAffine(geometry: VolumeGeometry): Affine {
  const [r0, r1, r2, r3] = lpsAffine(geometry);
  return [r0.map((v) => -v) as Affine[0], r1.map((v) => -v) as Affine[1], r2, r3];
}

export function voxelToLps(
  geometry: VolumeGeometry,
  ijk: [number, number, number],
): [number, number, number] {
  const a = lpsAffine(geometry);
  const apply = (r: [number, number, number, number]) =>
    r[0] * ijk[0] + r[1] * ijk[1] + r[2] * ijk[2] + r[3];
  return [apply(a[0]), apply(a[1]), apply(a[2])];
}
