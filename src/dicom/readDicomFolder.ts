import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildVolume } from './buildVolume';
import { DicomReadError } from './DicomReadError';
import type { DicomSlice } from './DicomSlice';
import { parseSlice } from './parseSlice';
import type { Volume } from '../volume/Volume';

export interface SeriesDescription {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  patientName: string;
  studyDescription: string;
  seriesDescription: string;
  modality: string;
}

export interface LoadedSeries {
  description: SeriesDescription;
  volume: Volume;
  /** files that were not images of this series, with the reason */
  skipped: DicomReadError[];
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory() ? listFiles(join(dir, e.name)) : Promise.resolve([join(dir, e.name)]),
    ),
  );
  return nested.flat().sort();
}

/**
 * Reads the one image series in a folder. Files that are not images are skipped and reported;
 * a folder with more than one series is an error naming them (choosing is the importer's job).
 */
export async function readDicomFolder(dir: string): Promise<LoadedSeries> {
  const slices: DicomSlice[] = [];
  const skipped: DicomReadError[] = [];
  for (const path of await listFiles(dir)) {
    try {
      slices.push(parseSlice(await readFile(path), path));
    } catch (error) {
      if (!(error instanceof DicomReadError)) throw error;
      skipped.push(error);
    }
  }
  if (slices.length === 0) {
    throw new DicomReadError(dir, `no DICOM image found (${skipped.length} files skipped)`);
  }
  const seriesUids = new Set(slices.map((s) => s.seriesInstanceUid));
  if (seriesUids.size > 1) {
    throw new DicomReadError(
      dir,
      `holds ${seriesUids.size} series (${[...seriesUids].join(', ')}): import them one by one`,
    );
  }
  const first = slices[0];
  return {
    description: {
      studyInstanceUid: first.studyInstanceUid,
      seriesInstanceUid: first.seriesInstanceUid,
      patientName: first.patientName,
      studyDescription: first.studyDescription,
      seriesDescription: first.seriesDescription,
      modality: first.modality,
    },
    volume: buildVolume(slices),
    skipped,
  };
}
