import type { ExportSegment } from '../../api/exportCommands';
import { exportSegmentSchema } from '../../api/exportCommands';
import { ApiError } from '../../api/errors';
import type { SegmentDefinition } from '../../dicom/seg/Segment';
import type { VoxelArray } from '../../volume/Volume';

/** The api's segments as the writers take them; every label value in the voxels must be named. */
export function segmentDefinitions(
  segments: ExportSegment[],
  labels: VoxelArray,
): SegmentDefinition[] {
  const parsed = segments.map((s) => exportSegmentSchema.parse(s));
  const named = new Set(parsed.map((s) => s.index));
  if (named.size !== parsed.length) {
    throw new ApiError('bad_request', 'two segments have the same label value');
  }
  const present = new Set<number>();
  for (const v of labels) if (v !== 0) present.add(v);
  const unnamed = [...present].filter((v) => !named.has(v));
  if (unnamed.length > 0) {
    throw new ApiError(
      'bad_request',
      `the segmentation has voxels of label ${unnamed.join(', ')}, which no segment describes`,
    );
  }
  return parsed.map((s) => {
    if (s.algorithmType !== 'MANUAL' && !s.algorithmName) {
      throw new ApiError(
        'bad_request',
        `segment "${s.label}" is ${s.algorithmType}: name the model that made it`,
      );
    }
    return {
      labelValue: s.index,
      label: s.label,
      color: s.color,
      kind: s.kind,
      algorithmType: s.algorithmType,
      ...(s.algorithmName ? { algorithmName: s.algorithmName } : {}),
    };
  });
}

/** The segments that have voxels: a SEG holds frames, and a segment without any says nothing. */
export function segmentsWithVoxels(
  segments: SegmentDefinition[],
  labels: VoxelArray,
): SegmentDefinition[] {
  const present = new Set<number>();
  for (const v of labels) if (v !== 0) present.add(v);
  const kept = segments.filter((s) => present.has(s.labelValue));
  if (kept.length === 0) {
    throw new ApiError(
      'bad_request',
      'the segmentation is empty: paint or segment something first',
    );
  }
  return kept;
}
