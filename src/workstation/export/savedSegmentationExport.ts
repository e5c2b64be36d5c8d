import { join } from 'node:path';
import { ApiError } from '../../api/errors';
import type { SegmentDefinition } from '../../dicom/seg/Segment';
import { CaseLibrary } from '../../library/CaseLibrary';
import { SegmentationStore } from '../segmentations/SegmentationStore';
import { sourceInLibrary } from './librarySource';
import { niftiExport } from './niftiExport';
import { segExport } from './segExport';

export interface SavedSegmentationExport {
  dataDir: string;
  seriesId: string;
  segmentationId: string;
  format: 'nifti' | 'seg';
  /** the file to write (absolute) */
  path: string;
  overwrite: boolean;
  softwareVersion: string;
}

/**
 * A saved segmentation of a library series, exported as the app exports it, without opening
 * anything: the grid is the series record's, and a SEG references the images import kept in
 * source.json, so neither the voxels nor the source DICOM files (which may be gone) are read.
 */
export async function exportSavedSegmentation(
  request: SavedSegmentationExport,
): Promise<{ paths: string[]; bytes: number }> {
  const { dataDir, seriesId, segmentationId } = request;
  const library = new CaseLibrary(join(dataDir, 'library'));
  if (!library.has(seriesId))
    throw new ApiError('not_found', `series ${seriesId} is not in the library`);
  const { geometry } = library.record(seriesId);
  const { segmentation, labels } = await new SegmentationStore(dataDir).load(
    seriesId,
    segmentationId,
  );
  // a saved segment says what it shows by name and colour only: exported as drawn by hand
  const definitions = segmentation.segments.map((s): SegmentDefinition => ({
    labelValue: s.index,
    label: s.label,
    color: s.color,
    kind: 'tissue',
    algorithmType: 'MANUAL',
  }));
  const options = { overwrite: request.overwrite, name: segmentation.name };
  if (request.format === 'nifti') {
    return niftiExport(request.path, geometry, labels, definitions, options);
  }
  const source = sourceInLibrary(library, seriesId, geometry);
  if (!source) {
    throw new ApiError(
      'invalid_input',
      `series ${seriesId} has no DICOM references kept (stored by a version that did not keep them): import its DICOM files again, or export NIfTI`,
    );
  }
  return segExport(request.path, source, labels, definitions, {
    ...options,
    softwareVersion: request.softwareVersion,
  });
}
