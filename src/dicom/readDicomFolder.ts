import type { Volume } from '../volume/Volume';
import { DicomReadError } from './DicomReadError';
import { describeSeries, loadSeries, scanSeries } from './series';
import type { SeriesDescription } from './series';
import type { SeriesWarning } from './sliceGeometry';

export type { SeriesDescription };

export interface LoadedSeries {
  description: SeriesDescription;
  volume: Volume;
  warnings: SeriesWarning[];
  /** files that were not images of this series, with the reason */
  skipped: DicomReadError[];
}

/**
 * Reads the one image series in a folder. Files that are not images are skipped and reported;
 * a folder with more than one series is an error naming them (choosing is the importer's job).
 */
export async function readDicomFolder(dir: string): Promise<LoadedSeries> {
  const { groups, issues } = await scanSeries([dir]);
  if (groups.length === 0) {
    throw new DicomReadError(
      dir,
      `no DICOM image found (${issues.length} files skipped)`,
      'not-image',
    );
  }
  if (groups.length > 1) {
    throw new DicomReadError(
      dir,
      `holds ${groups.length} series (${groups.map((g) => g.id).join(', ')}): import them one by one`,
      'geometry',
    );
  }
  const { volume, warnings } = await loadSeries(groups[0]);
  return { description: describeSeries(groups[0]), volume, warnings, skipped: issues };
}
