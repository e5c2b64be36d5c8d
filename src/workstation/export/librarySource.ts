import type { VolumeGeometry } from '../../volume/geometry';
import { ApiError } from '../../api/errors';
import type { SourceSeries } from '../../dicom/seg/SourceSeries';
import type { CaseLibrary } from '../../library/CaseLibrary';
import { sourceSeriesOn } from '../../library/seriesSource';

/**
 * The references the library kept for a series at import, undefined where it kept none (not in
 * the library, or stored by a version that did not keep them: its files may still be found).
 * A NIfTI series, or one whose images a SEG cannot reference, is refused saying why.
 */
export function sourceInLibrary(
  library: CaseLibrary,
  seriesId: string,
  geometry: VolumeGeometry,
): SourceSeries | undefined {
  if (!library.has(seriesId)) return undefined;
  if (library.record(seriesId).source === 'nifti') {
    throw new ApiError(
      'invalid_input',
      `series ${seriesId} was imported from NIfTI: a DICOM SEG references the DICOM images it was drawn on, and it has none: export NIfTI instead`,
    );
  }
  let kept;
  try {
    kept = library.source(seriesId);
  } catch (error) {
    // a damaged record is named; the user can import the files again to rewrite it
    throw new ApiError('invalid_input', (error as Error).message);
  }
  if (!kept) return undefined;
  if (kept.kind === 'none') {
    throw new ApiError(
      'invalid_input',
      `series ${seriesId} cannot be referenced by a DICOM SEG: ${kept.reason}: export NIfTI instead`,
    );
  }
  try {
    return sourceSeriesOn(kept, geometry);
  } catch (error) {
    throw new ApiError(
      'invalid_input',
      `series ${seriesId}: its kept references do not fit the open volume (${(error as Error).message})`,
    );
  }
}
