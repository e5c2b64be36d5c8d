import type { Volume, VoxelArray } from '../volume/Volume';
import { cross, dot, norm, sub } from '../volume/vec3';
import type { Vec3 } from '../volume/vec3';
import { DicomReadError } from './DicomReadError';
import type { DicomSlice } from './DicomSlice';

/** Relative tolerance on the gap between neighbouring slices before a series is called uneven. */
const SPACING_TOLERANCE = 0.01;

function sliceNormal(slice: DicomSlice): Vec3 {
  const o = slice.imageOrientation;
  const n = cross([o[0], o[1], o[2]], [o[3], o[4], o[5]]);
  const length = norm(n);
  return [n[0] / length, n[1] / length, n[2] / length];
}

function checkSameGrid(slices: DicomSlice[]): void {
  const first = slices[0];
  for (const s of slices) {
    if (s.rows !== first.rows || s.columns !== first.columns) {
      throw new DicomReadError(
        s.path,
        `size ${s.columns}x${s.rows} differs from ${first.columns}x${first.rows}`,
      );
    }
    if (s.imageOrientation.some((v, n) => Math.abs(v - first.imageOrientation[n]) > 1e-4)) {
      throw new DicomReadError(s.path, 'orientation differs from the rest of the series');
    }
  }
}

/** The narrowest array that holds every rescaled value exactly: integer types where it can. */
function outputArray(slices: DicomSlice[], count: number): VoxelArray {
  if (
    !slices.every((s) => Number.isInteger(s.rescaleSlope) && Number.isInteger(s.rescaleIntercept))
  ) {
    return new Float32Array(count);
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of slices) {
    for (const v of s.pixels) {
      const value = v * s.rescaleSlope + s.rescaleIntercept;
      if (value < lo) lo = value;
      if (value > hi) hi = value;
    }
  }
  if (lo >= 0 && hi <= 255 && slices[0].pixels.BYTES_PER_ELEMENT === 1)
    return new Uint8Array(count);
  if (lo >= -32768 && hi <= 32767) return new Int16Array(count);
  if (lo >= 0 && hi <= 65535) return new Uint16Array(count);
  return new Float32Array(count);
}

/**
 * Stacks the slices of one series into a Volume: ordered by position along the slice normal
 * (never by file name or instance number), slice spacing from the positions, values rescaled
 * to modality units.
 */
export function buildVolume(input: DicomSlice[]): Volume {
  if (input.length === 0) throw new Error('a series needs at least one slice');
  checkSameGrid(input);
  const normal = sliceNormal(input[0]);
  const slices = [...input].sort(
    (a, b) => dot(a.imagePosition, normal) - dot(b.imagePosition, normal),
  );
  const first = slices[0];
  const along = slices.map((s) => dot(s.imagePosition, normal));
  const gaps = along.slice(1).map((p, n) => p - along[n]);
  const sliceSpacing = gaps.length ? gaps.reduce((a, b) => a + b, 0) / gaps.length : 1;
  for (const [n, gap] of gaps.entries()) {
    if (gap < 1e-6) throw new DicomReadError(slices[n + 1].path, 'two slices share one position');
    if (Math.abs(gap - sliceSpacing) > SPACING_TOLERANCE * sliceSpacing) {
      throw new DicomReadError(
        slices[n + 1].path,
        `uneven slice spacing (${gap.toFixed(3)} mm where the series averages ${sliceSpacing.toFixed(3)} mm): a missing slice?`,
      );
    }
  }
  const inPlane = first.rows * first.columns;
  const voxels = outputArray(slices, inPlane * slices.length);
  slices.forEach((s, k) => {
    const offset = k * inPlane;
    for (let n = 0; n < inPlane; n++)
      voxels[offset + n] = s.pixels[n] * s.rescaleSlope + s.rescaleIntercept;
  });
  const offAxis = sub(slices[slices.length - 1].imagePosition, first.imagePosition);
  const o = first.imageOrientation;
  if (slices.length > 1 && norm(cross(offAxis, normal)) > 1e-3 * norm(offAxis)) {
    throw new DicomReadError(
      first.path,
      'slice positions do not run along the slice normal (gantry tilt)',
    );
  }
  return {
    geometry: {
      dimensions: [first.columns, first.rows, slices.length],
      spacing: [first.pixelSpacing[1], first.pixelSpacing[0], sliceSpacing],
      origin: first.imagePosition,
      direction: [o[0], o[1], o[2], o[3], o[4], o[5], normal[0], normal[1], normal[2]],
    },
    voxels,
  };
}
