import type { VolumeGeometry } from '../volume/Volume';
import { cross, dot, norm, sub } from '../volume/vec3';
import type { Vec3 } from '../volume/vec3';
import { DicomReadError } from './DicomReadError';
import type { DicomSlice } from './DicomSlice';

/**
 * How far a gap between neighbours, or a slice from the regular grid, may stray: 1 % of the step,
 * but never less than 0.02 mm, which positions written with two decimals can be off by.
 */
const SPACING_TOLERANCE = 0.01;
const SPACING_TOLERANCE_MM = 0.02;

function tolerance(step: number): number {
  return Math.max(SPACING_TOLERANCE * step, SPACING_TOLERANCE_MM);
}
/** Slices whose offsets from the slice normal differ by more than this (mm) are tilted. */
const TILT_TOLERANCE_MM = 0.01;

/** Something odd about a series that did not stop it from being read, with a stable code. */
export interface SeriesWarning {
  code: 'gantry-tilt' | 'single-slice' | 'monochrome1';
  message: string;
}

export function sliceNormal(orientation: DicomSlice['imageOrientation']): Vec3 {
  const n = cross(
    [orientation[0], orientation[1], orientation[2]],
    [orientation[3], orientation[4], orientation[5]],
  );
  const length = norm(n);
  return [n[0] / length, n[1] / length, n[2] / length];
}

/**
 * Orders the slices of one series along their normal (never by file name or instance number) and
 * derives the grid: spacing from the positions, not from Slice Thickness. Duplicate positions,
 * missing slices and uneven spacing are errors that name a file: a regular grid would misplace
 * every slice after the gap. Gantry tilt is kept exactly, as a slice axis that is not the normal.
 */
export function sliceGeometry(input: DicomSlice[]): {
  slices: DicomSlice[];
  geometry: VolumeGeometry;
  warnings: SeriesWarning[];
} {
  const first = input[0];
  const o = first.imageOrientation;
  const normal = sliceNormal(o);
  const slices = [...input].sort(
    (a, b) => dot(a.imagePosition, normal) - dot(b.imagePosition, normal),
  );
  const along = slices.map((s) => dot(s.imagePosition, normal));
  const warnings: SeriesWarning[] = [];
  const gaps = along.slice(1).map((p, n) => p - along[n]);
  for (const [n, gap] of gaps.entries()) {
    if (gap < 1e-3) {
      throw new DicomReadError(
        slices[n + 1].path,
        `same position as ${slices[n].path} (${slices[n].imagePosition.join('\\')}): two images at one slice position`,
        'geometry',
      );
    }
  }
  const sorted = [...gaps].sort((a, b) => a - b);
  const typical = sorted.length ? sorted[Math.floor(sorted.length / 2)] : 1;
  for (const [n, gap] of gaps.entries()) {
    if (Math.abs(gap - typical) <= tolerance(typical)) continue;
    const missing = Math.round(gap / typical) - 1;
    const where = `between ${slices[n].path} and ${slices[n + 1].path}`;
    throw new DicomReadError(
      slices[n + 1].path,
      missing >= 1 && Math.abs(gap - (missing + 1) * typical) <= tolerance(typical) * (missing + 1)
        ? `missing slice: a gap of ${gap.toFixed(3)} mm ${where} where the series steps ${typical.toFixed(3)} mm (${missing} slice(s) absent)`
        : `uneven slice spacing: ${gap.toFixed(3)} mm ${where} where the series steps ${typical.toFixed(3)} mm`,
      'geometry',
    );
  }
  let sliceAxis = normal;
  let sliceSpacing: number;
  if (slices.length > 1) {
    const span = sub(slices[slices.length - 1].imagePosition, slices[0].imagePosition);
    const step = sub(slices[slices.length - 1].imagePosition, slices[0].imagePosition).map(
      (v) => v / (slices.length - 1),
    ) as Vec3;
    sliceSpacing = norm(step);
    // Every slice where the grid puts it: catches a slice shifted sideways, or drift that no
    // single gap shows.
    for (const [k, s] of slices.entries()) {
      const expected = [0, 1, 2].map((r) => slices[0].imagePosition[r] + k * step[r]) as Vec3;
      const off = norm(sub(s.imagePosition, expected));
      if (off > tolerance(sliceSpacing)) {
        throw new DicomReadError(
          s.path,
          `slice ${k + 1} of ${slices.length} lies ${off.toFixed(3)} mm from where a regular grid of its series puts it: not a regular volume`,
          'geometry',
        );
      }
    }
    const offAxis = norm(cross(span, normal)) / norm(span);
    if (offAxis * norm(span) > TILT_TOLERANCE_MM) {
      sliceAxis = [step[0] / sliceSpacing, step[1] / sliceSpacing, step[2] / sliceSpacing];
      const degrees = (Math.asin(Math.min(1, offAxis)) * 180) / Math.PI;
      warnings.push({
        code: 'gantry-tilt',
        message: `slices are sheared by ${degrees.toFixed(2)} degrees from their normal (gantry tilt ${first.gantryTilt} degrees in the header): kept as acquired, with a slice axis that is not perpendicular to the images`,
      });
    }
  } else {
    // One slice has no neighbour to measure: its thickness stands in, as in dcm2niix.
    sliceSpacing = first.sliceThickness > 0 ? first.sliceThickness : 1;
    warnings.push({
      code: 'single-slice',
      message: `one slice: a ${sliceSpacing} mm thick single image, not a volume`,
    });
  }
  return {
    slices,
    warnings,
    geometry: {
      dimensions: [first.columns, first.rows, slices.length],
      spacing: [first.pixelSpacing[1], first.pixelSpacing[0], sliceSpacing],
      origin: slices[0].imagePosition,
      direction: [o[0], o[1], o[2], o[3], o[4], o[5], sliceAxis[0], sliceAxis[1], sliceAxis[2]],
    },
  };
}
