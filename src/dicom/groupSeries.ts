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

/** Why a geometry part differs from the rest of its series, for its description. */
function describe(part: DicomSlice, whole: DicomSlice[]): string[] {
  const reasons: string[] = [];
  const differs = (f: (s: DicomSlice) => unknown) => whole.some((s) => f(s) !== f(part));
  if (differs((s) => s.echoNumber)) reasons.push(`echo ${part.echoNumber}`);
  if (differs((s) => `${s.columns}x${s.rows}`)) reasons.push(`${part.columns}x${part.rows}`);
  const orientation = (s: DicomSlice) => s.imageOrientation.map((v) => v.toFixed(2)).join('\\');
  if (differs(orientation)) reasons.push(`orientation ${orientation(part)}`);
  if (differs((s) => s.pixelSpacing.join('\\')))
    reasons.push(`spacing ${part.pixelSpacing.join('\\')}`);
  return reasons;
}

/** Header fields that tell repeated passes over the same positions apart, tried in order. */
const REPEAT_KEYS: [label: string, key: (s: DicomSlice) => number][] = [
  ['acquisition', (s) => s.acquisitionNumber],
  ['echo time', (s) => s.echoTime],
  ['temporal position', (s) => s.temporalPosition],
  ['trigger time', (s) => s.triggerTime],
];

function hasRepeats(slices: DicomSlice[], normal: ReturnType<typeof sliceNormal>): boolean {
  return new Set(slices.map((s) => dot(s.imagePosition, normal).toFixed(3))).size < slices.length;
}

/**
 * Splits a part whose slices repeat positions by the first field that separates the passes into
 * volumes without repeats (a repeated acquisition, cardiac phases, a dynamic series). Left whole
 * otherwise: the volume builder then names the two files that share a position.
 */
function splitRepeats(slices: DicomSlice[]): { slices: DicomSlice[]; label: string }[] {
  const normal = sliceNormal(slices[0].imageOrientation);
  if (!hasRepeats(slices, normal)) return [{ slices, label: '' }];
  for (const [label, key] of REPEAT_KEYS) {
    const values = [...new Set(slices.map(key))].sort((a, b) => a - b);
    if (values.length < 2) continue;
    const parts = values.map((v) => ({
      slices: slices.filter((s) => key(s) === v),
      label: `${label} ${v}`,
    }));
    if (parts.every((p) => !hasRepeats(p.slices, normal))) return parts;
  }
  return [{ slices, label: '' }];
}

/**
 * Groups slices by series, then splits a series where its geometry differs (rows and columns,
 * orientation, pixel spacing, echo) and where passes repeat the same positions, as dcm2niix
 * does. A series whose Acquisition Numbers differ but whose positions do not repeat stays whole:
 * some scanners number every slice as its own acquisition.
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
  for (const [uid, series] of bySeries) {
    const parts: DicomSlice[][] = [];
    for (const s of series) {
      const part = parts.find((p) => sameGeometry(p[0], s));
      if (part) part.push(s);
      else parts.push([s]);
    }
    const pieces = parts.flatMap((part) =>
      splitRepeats(part).map((piece) => ({
        slices: piece.slices,
        reasons: [...describe(part[0], series), piece.label].filter(Boolean),
      })),
    );
    for (const [n, piece] of pieces.entries()) {
      groups.push({
        id: pieces.length === 1 ? uid : `${uid}.${n + 1}`,
        seriesInstanceUid: series[0].seriesInstanceUid,
        split: pieces.length === 1 ? '' : piece.reasons.join(', '),
        slices: piece.slices,
      });
    }
  }
  return groups;
}
