import type { Volume } from '../volume/Volume';
import { buildVolume } from './buildVolume';
import type { BuildOptions } from './buildVolume';
import { DicomReadError } from './DicomReadError';
import { groupSeries } from './groupSeries';
import type { SeriesGroup } from './groupSeries';
import { listInputs } from './listInputs';
import { scanFiles } from './scanFiles';
import type { ScanOptions } from './scanFiles';
import type { SeriesWarning } from './sliceGeometry';

export interface SeriesDescription {
  /** the group id: SeriesInstanceUID, with a suffix where the series was split */
  seriesId: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  patientName: string;
  patientId: string;
  studyDate: string;
  studyDescription: string;
  seriesDescription: string;
  seriesNumber: number;
  modality: string;
  /** why the series was split ('' when it was not) */
  split: string;
  slices: number;
}

export interface LoadedSeries {
  description: SeriesDescription;
  volume: Volume;
  warnings: SeriesWarning[];
  /** files that were not images of this series, with the reason */
  skipped: DicomReadError[];
}

export function describeSeries(group: SeriesGroup): SeriesDescription {
  const first = group.slices[0];
  return {
    seriesId: group.id,
    studyInstanceUid: first.studyInstanceUid,
    seriesInstanceUid: first.seriesInstanceUid,
    patientName: first.patientName,
    patientId: first.patientId,
    studyDate: first.studyDate,
    studyDescription: first.studyDescription,
    seriesDescription: first.seriesDescription,
    seriesNumber: first.seriesNumber,
    modality: first.modality,
    split: group.split,
    slices: group.slices.length,
  };
}

/** Scans files and folders and groups what they hold into series, reading headers only. */
export async function scanSeries(
  paths: string[],
  options: ScanOptions = {},
): Promise<{ groups: SeriesGroup[]; issues: DicomReadError[] }> {
  const inputs = listInputs(paths);
  const { slices, issues } = await scanFiles(inputs.files, options);
  issues.unshift(...inputs.issues);
  return { groups: groupSeries(slices), issues };
}

export async function loadSeries(group: SeriesGroup, options: BuildOptions = {}) {
  return buildVolume(group.slices, options);
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
