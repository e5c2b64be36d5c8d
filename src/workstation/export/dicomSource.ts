import type { VolumeGeometry } from '../../volume/geometry';
import type { SourceSeries } from '../../dicom/seg/SourceSeries';

/** The DICOM files a series was read from: a SEG names their instances, frame by frame. */
export interface DicomSource {
  dir: string;
  seriesInstanceUid: string;
}

/**
 * What a SEG drawn on a series references, on the grid it was opened on; undefined where
 * nothing was kept. Throws an ApiError saying why where it is known a SEG cannot be made.
 */
export type DicomSourceLookup = (
  seriesId: string,
  geometry: VolumeGeometry,
) => Promise<SourceSeries | undefined>;
