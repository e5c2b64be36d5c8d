import type { LibraryCaseRef, TrainingCaseSummary } from '../../api/trainingCommands';
import { ApiError } from '../../api/errors';
import type { TrainingCase } from '../../engine/train/TrainingCase';
import type { CaseLibrary } from '../../library/CaseLibrary';
import type { SeriesRecord } from '../../library/seriesRecord';
import type { SegmentationStore } from '../segmentations/SegmentationStore';

/** A training case with the name the user knows it by. */
export interface NamedCase extends TrainingCase {
  name: string;
}

/** Library series with at least one saved segmentation, with their segments' names. */
export async function listTrainingCases(
  library: CaseLibrary,
  store: SegmentationStore,
): Promise<TrainingCaseSummary[]> {
  const cases: TrainingCaseSummary[] = [];
  for (const record of library.list()) {
    const saved = await store.list(record.seriesId);
    if (saved.length === 0) continue;
    cases.push({
      seriesId: record.seriesId,
      description: seriesName(record),
      modality: record.modality,
      dimensions: record.geometry.dimensions,
      segmentations: saved.map((s) => ({
        segmentationId: s.segmentationId,
        name: s.name,
        segments: s.segments.map((g) => ({ index: g.index, label: g.label })),
        labelledVoxels: s.labelledVoxels,
      })),
    });
  }
  return cases;
}

/** A series as the series list names it: patient and description, else its UID. */
export function seriesName(record: SeriesRecord): string {
  return (
    [record.patientName, record.seriesDescription].filter(Boolean).join(' · ') || record.seriesId
  );
}

export function libraryCaseId(ref: LibraryCaseRef): string {
  return `${ref.seriesId}/${ref.segmentationId}`;
}

/** Reads a library case (volume and labels); every way it can be unusable is named. */
export async function loadLibraryCase(
  library: CaseLibrary,
  store: SegmentationStore,
  ref: LibraryCaseRef,
): Promise<NamedCase> {
  if (!library.has(ref.seriesId))
    throw new ApiError('not_found', `series ${ref.seriesId} is not in the library`);
  const saved = await store.list(ref.seriesId);
  if (saved.length === 0) {
    throw new ApiError(
      'invalid_input',
      `series ${ref.seriesId} has no segmentation: draw or import one before training on it`,
    );
  }
  if (!saved.some((s) => s.segmentationId === ref.segmentationId)) {
    throw new ApiError(
      'not_found',
      `series ${ref.seriesId} has no segmentation ${ref.segmentationId} (it has ${saved.map((s) => s.segmentationId).join(', ')})`,
    );
  }
  const { record, volume } = library.open(ref.seriesId);
  const { segmentation, labels } = await store.load(ref.seriesId, ref.segmentationId);
  const name = `${record.seriesDescription || record.seriesId} / ${segmentation.name}`;
  if (labels.length !== volume.voxels.length) {
    throw new ApiError(
      'invalid_input',
      `case ${name}: its segmentation has ${labels.length} voxels, the series ${volume.voxels.length}`,
    );
  }
  if (segmentation.labelledVoxels === 0)
    throw new ApiError('invalid_input', `case ${name}: its segmentation is empty`);
  return { id: libraryCaseId(ref), name, volume, labels };
}
