import type { DisplayWindow } from '../volume/displayWindow';
import { buildVolume } from './buildVolume';
import type { BuildOptions } from './buildVolume';
import type { DicomReadError } from './DicomReadError';
import type { DicomSlice } from './DicomSlice';
import { groupSeries } from './groupSeries';
import type { SeriesGroup } from './groupSeries';
import { listInputs } from './listInputs';
import { scanFiles } from './scanFiles';
import type { ScanOptions } from './scanFiles';

/** A series as its first slice describes it. */
export interface SeriesDescription extends Pick<
  DicomSlice,
  | 'studyInstanceUid'
  | 'seriesInstanceUid'
  | 'patientName'
  | 'patientId'
  | 'studyDate'
  | 'studyDescription'
  | 'seriesDescription'
  | 'seriesNumber'
  | 'modality'
> {
  /** the group id: SeriesInstanceUID, with a suffix where the series was split */
  seriesId: string;
  /** the Window Center/Width pairs of its first image */
  windows: DisplayWindow[];
  /** why the series was split ('' when it was not) */
  split: string;
  slices: number;
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
    windows: first.windows,
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
