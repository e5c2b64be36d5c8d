import { dot } from '../volume/vec3';
import type { DicomSlice } from './DicomSlice';
import { sliceNormal } from './sliceGeometry';

/** One volume's worth of slices: a series, or the part of one that shares a geometry. */
export interface SeriesGroup {
  /** stable: the SeriesInstanceUID, with a suffix when the series was split */
  id: string;
  seriesInstanceUid: string;
  /** why this group was split off its series ('' when it was not), e.g. "echo 2" */
  split: string;
  slices: DicomSlice[];
}

/** Direction cosines closer than this are one orientation (they are written with ~6 digits). */
const ORIENTATION_TOLERANCE = 1e-3;

function sameGeometry(a: DicomSlice, b: DicomSlice): boolean {
  return (
    a.rows === b.rows &&
    a.columns === b.columns &&
    a.echoNumber === b.echoNumber &&
    a.imageOrientation.every(
      (v, n) => Math.abs(v - b.imageOrientation[n]) < ORIENTATION_TOLERANCE,
    ) &&
    Math.abs(a.pixelSpacing[0] - b.pixelSpacing[0]) < 1e-4 &&
    Math.abs(a.pixelSpacing[1] - b.pixelSpacing[1]) < 1e-4
  );
}

function describe(part: DicomSlice, whole: DicomSlice[]): string {
  const reasons: string[] = [];
  if (whole.some((s) => s.echoNumber !== part.echoNumber)) reasons.push(`echo ${part.echoNumber}`);
  if (whole.some((s) => s.rows !== part.rows || s.columns !== part.columns))
    reasons.push(`${part.columns}x${part.rows}`);
  if (
    whole.some(
      (s) =>
        !sameGeometry(
          { ...s, echoNumber: 0, rows: 0, columns: 0 },
          { ...part, echoNumber: 0, rows: 0, columns: 0 },
        ),
    )
  )
    reasons.push(`orientation ${part.imageOrientation.map((v) => v.toFixed(2)).join('\\')}`);
  return reasons.join(', ');
}

/** Splits slices that repeat a position by Acquisition Number (a repeated acquisition). */
function splitRepeats(slices: DicomSlice[]): DicomSlice[][] {
  const normal = sliceNormal(slices[0].imageOrientation);
  const positions = new Set(slices.map((s) => dot(s.imagePosition, normal).toFixed(3)));
  const acquisitions = [...new Set(slices.map((s) => s.acquisitionNumber))];
  if (positions.size === slices.length || acquisitions.length < 2) return [slices];
  return acquisitions
    .sort((a, b) => a - b)
    .map((a) => slices.filter((s) => s.acquisitionNumber === a));
}

/**
 * Groups slices by study and series, then splits a series where its geometry differs (rows and
 * columns, orientation, pixel spacing, echo) and where an acquisition repeats the same positions,
 * as dcm2niix does. A series whose Acquisition Numbers differ but whose positions do not repeat
 * stays whole: some scanners number every slice as its own acquisition.
 */
export function groupSeries(slices: DicomSlice[]): SeriesGroup[] {
  const bySeries = new Map<string, DicomSlice[]>();
  for (const s of slices) {
    // Without a SeriesInstanceUID, the folder is the best guess of which files belong together.
    const key = s.seriesInstanceUid || s.path.replace(/[^/\\]*$/, '');
    const list = bySeries.get(key);
    if (list) list.push(s);
    else bySeries.set(key, [s]);
  }
  const groups: SeriesGroup[] = [];
  for (const series of bySeries.values()) {
    const parts: DicomSlice[][] = [];
    for (const s of series) {
      const part = parts.find((p) => sameGeometry(p[0], s));
      if (part) part.push(s);
      else parts.push([s]);
    }
    const pieces = parts.flatMap((p) =>
      splitRepeats(p).map((slicesOf) => ({ slicesOf, parent: p })),
    );
    const uid = series[0].seriesInstanceUid || series[0].path.replace(/[^/\\]*$/, '');
    for (const [n, { slicesOf }] of pieces.entries()) {
      const reasons = [describe(slicesOf[0], series)];
      if (pieces.length > parts.length)
        reasons.push(`acquisition ${slicesOf[0].acquisitionNumber}`);
      groups.push({
        id: pieces.length === 1 ? uid : `${uid}.${n + 1}`,
        seriesInstanceUid: series[0].seriesInstanceUid,
        split: pieces.length === 1 ? '' : reasons.filter(Boolean).join(', '),
        slices: slicesOf,
      });
    }
  }
  return groups;
}
