import type { VolumeGeometry } from '../volume/geometry';
import { GridMismatchError } from '../dicom/seg/GridMismatchError';
import { rasAffine } from '../volume/affine';
import type { Affine } from '../volume/affine';
import type { VoxelArray } from '../volume/Volume';

/**
 * A labelmap as a NIfTI file holds it, voxel i fastest: the shape src/nifti's readNifti returns
 * (its NiftiVolume), so `placeLabelmap(readNifti(path), geometry)` is the whole import.
 */
export interface NiftiLabelmap {
  volume: { geometry: { dimensions: [number, number, number] }; voxels: VoxelArray };
  /** voxel index -> RAS mm (sform or qform), as stored */
  rasAffine: Affine;
}

/** Matrix entries and offsets within this of a whole number count as that number (float32 headers). */
const TOLERANCE = 1e-3;

function invertAffine(a: Affine): Affine {
  const [[a0, a1, a2], [b0, b1, b2], [c0, c1, c2]] = a;
  const det = a0 * (b1 * c2 - b2 * c1) - a1 * (b0 * c2 - b2 * c0) + a2 * (b0 * c1 - b1 * c0);
  if (Math.abs(det) < 1e-12) throw new Error('the NIfTI affine is singular');
  const m = [
    [(b1 * c2 - b2 * c1) / det, (a2 * c1 - a1 * c2) / det, (a1 * b2 - a2 * b1) / det],
    [(b2 * c0 - b0 * c2) / det, (a0 * c2 - a2 * c0) / det, (a2 * b0 - a0 * b2) / det],
    [(b0 * c1 - b1 * c0) / det, (a1 * c0 - a0 * c1) / det, (a0 * b1 - a1 * b0) / det],
  ];
  const t = [0, 1, 2].map((r) => -(m[r][0] * a[0][3] + m[r][1] * a[1][3] + m[r][2] * a[2][3]));
  return [
    [...m[0], t[0]],
    [...m[1], t[1]],
    [...m[2], t[2]],
    [0, 0, 0, 1],
  ] as Affine;
}

function multiply(a: Affine, b: Affine): Affine {
  return a.map((row) =>
    [0, 1, 2, 3].map((c) => row.reduce((sum, v, n) => sum + v * b[n][c], 0)),
  ) as Affine;
}

/**
 * Puts a NIfTI labelmap onto an open series' voxels. The labelmap may store the same grid in
 * another axis order or direction (dcm2niix flips and reorders, ITK-SNAP keeps what it opened),
 * so any mapping that sends every voxel centre exactly onto a voxel centre is accepted; anything
 * else (another spacing, a shift, a rotation, another extent) is a GridMismatchError. Values must
 * be whole numbers 0..65535. Nothing is resampled.
 */
export function placeLabelmap(
  source: NiftiLabelmap,
  geometry: VolumeGeometry,
  what = 'the labelmap',
): Uint8Array | Uint16Array {
  // target voxel (i, j, k) -> source voxel index
  const m = multiply(invertAffine(source.rasAffine), rasAffine(geometry));
  const axis = [0, 0, 0];
  const sign = [0, 0, 0];
  for (let r = 0; r < 3; r++) {
    const c = [0, 1, 2].filter((n) => Math.abs(m[r][n]) > TOLERANCE);
    if (c.length !== 1 || Math.abs(Math.abs(m[r][c[0]]) - 1) > TOLERANCE) {
      throw new GridMismatchError(
        what,
        "its voxels have another size or orientation than the series' (compare their affines)",
      );
    }
    axis[r] = c[0];
    sign[r] = Math.sign(m[r][c[0]]);
  }
  if (new Set(axis).size !== 3) throw new GridMismatchError(what, 'its axes do not map one to one');
  const offset = [0, 1, 2].map((r) => m[r][3]);
  if (offset.some((t) => Math.abs(t - Math.round(t)) > 1e-2)) {
    throw new GridMismatchError(what, "its voxel centres are shifted against the series' voxels");
  }
  const dims = geometry.dimensions;
  for (let r = 0; r < 3; r++) {
    const t = Math.round(offset[r]);
    const end = t + sign[r] * (dims[axis[r]] - 1);
    if (source.volume.geometry.dimensions[r] !== dims[axis[r]] || Math.min(t, end) !== 0) {
      throw new GridMismatchError(
        what,
        `it covers ${source.volume.geometry.dimensions.join('x')} voxels, the series ${dims.join('x')} (or another region)`,
      );
    }
  }
  let max = 0;
  for (const v of source.volume.voxels) {
    if (!Number.isInteger(v) || v < 0 || v > 65535) {
      throw new Error(`${what}: value ${v} is not a label (whole number 0..65535)`);
    }
    if (v > max) max = v;
  }
  const [cols, rows, slices] = dims;
  const out =
    max > 255 ? new Uint16Array(cols * rows * slices) : new Uint8Array(cols * rows * slices);
  const [sx, sy] = source.volume.geometry.dimensions;
  const stride = [1, sx, sx * sy];
  // source index = sum over r of (t_r + sign_r * target[axis_r]) * stride_r
  const base = [0, 1, 2].reduce((s, r) => s + Math.round(offset[r]) * stride[r], 0);
  const step = [0, 0, 0];
  for (let r = 0; r < 3; r++) step[axis[r]] = sign[r] * stride[r];
  let n = 0;
  for (let k = 0; k < slices; k++)
    for (let j = 0; j < rows; j++) {
      let at = base + k * step[2] + j * step[1];
      for (let i = 0; i < cols; i++, at += step[0]) out[n++] = source.volume.voxels[at];
    }
  return out;
}
