import { interpolateLabels } from './interpolate';
import { regionGrow } from './regionGrow';
import type { SegmentationEditor } from './SegmentationEditor';

/** Where a region grow starts and how far it reaches. */
export interface GrowRequest {
  /** the intensities of the shown volume, in the labelmap's order */
  values: ArrayLike<number>;
  seed: [number, number, number];
  tolerance: number;
  /** null: 3D; an index axis: only the seed's slice across that axis */
  fixedAxis: 0 | 1 | 2 | null;
}

/** Labels of the segments of the active segmentation that are locked, as a lookup table. */
function lockedTable(editor: SegmentationEditor, keep: number): Uint8Array {
  const locked = new Uint8Array(256);
  for (const segment of editor.active?.segments ?? []) {
    if (segment.locked && segment.index !== keep) locked[segment.index] = 1;
  }
  return locked;
}

/**
 * Region grow into the active segment of the active segmentation: the connected voxels within the
 * tolerance of the seed's intensity become the segment, except those of locked segments. One
 * undoable edit; returns the number of voxels in the region (0 when the seed is locked).
 */
export function growIntoActiveSegment(editor: SegmentationEditor, request: GrowRequest): number {
  const active = editor.active;
  if (!active) throw new Error('no segmentation is active');
  const segment = editor.activeSegment;
  if (active.segments.find((s) => s.index === segment)?.locked) {
    throw new Error('the active segment is locked');
  }
  const labels = editor.labels(active.id);
  const locked = lockedTable(editor, segment);
  const region = regionGrow(request.values, editor.dimensions(), request.seed, {
    tolerance: request.tolerance,
    fixedAxis: request.fixedAxis,
    blocked: (index) => locked[labels[index] ?? 0] === 1,
  });
  if (region.length === 0) return 0;
  editor.recordEdit(active.id, (set) => {
    for (const index of region) if (labels[index] !== segment) set(index, segment);
  });
  return region.length;
}

/**
 * Interpolates the active segment between its edited slices across the given index axis (the
 * slices of the view the user edits in). One undoable edit; returns the voxels painted.
 */
export function interpolateActiveSegment(editor: SegmentationEditor, axis: 0 | 1 | 2): number {
  const active = editor.active;
  if (!active) throw new Error('no segmentation is active');
  const writes = interpolateLabels(
    editor.labels(active.id),
    editor.dimensions(),
    editor.activeSegment,
    axis,
    editor.spacing(),
  );
  if (writes.length === 0) return 0;
  const segment = editor.activeSegment;
  editor.recordEdit(active.id, (set) => {
    for (const index of writes) set(index, segment);
  });
  return writes.length;
}
