import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { DicomReadError } from '../dicom/DicomReadError';
import type { DicomProblem } from '../dicom/DicomReadError';
import { listInputs } from '../dicom/listInputs';
import { describeSeries, loadSeries } from '../dicom/series';
import { groupSeries } from '../dicom/groupSeries';
import { scanFiles } from '../dicom/scanFiles';
import type { DicomSlice } from '../dicom/DicomSlice';
import { sliceGeometry } from '../dicom/sliceGeometry';
import { sourceOfSlices } from '../dicom/seg/sourceOfSlices';
import type { VolumeGeometry } from '../volume/geometry';
import { parseNifti } from '../nifti/readNifti';
import { LibraryError } from './CaseLibrary';
import type { CaseLibrary } from './CaseLibrary';
import type { SeriesRecord } from './seriesRecord';
import { seriesSourceOf } from './seriesSource';
import type { SeriesSource } from './seriesSource';
import { errorMessage } from '../errors/errorMessage';

export interface ImportProgress {
  /** scan: reading headers, file by file; read: building a series, slice by slice; nifti */
  phase: 'scan' | 'read' | 'nifti';
  done: number;
  total: number;
  /** the series or file being worked on */
  detail: string;
  /** series found so far: known once the headers are scanned */
  series?: number;
}

export interface ImportIssue {
  path: string;
  problem: DicomProblem | 'nifti' | 'library' | 'internal';
  message: string;
}

export interface ImportReport {
  files: number;
  imported: SeriesRecord[];
  /** already in the library (recognised by SeriesInstanceUID): not read again */
  existing: SeriesRecord[];
  /** files and series that could not be imported, each named with its problem */
  failed: ImportIssue[];
  /** files with no image volume (SR, PR, RTSTRUCT, DICOMDIR, ...) or duplicates: not errors */
  skipped: ImportIssue[];
}

export interface ImportOptions {
  signal?: AbortSignal;
  onProgress?: (progress: ImportProgress) => void;
  /** read and store again series the library already holds */
  replace?: boolean;
}

export class ImportCancelled extends Error {
  /** the series stored before the cancel came, so that a caller can take them back out */
  readonly stored: SeriesRecord[];

  constructor(stored: SeriesRecord[] = []) {
    super('import cancelled');
    this.name = 'ImportCancelled';
    this.stored = stored;
  }
}

/** The references a SEG of the series needs, from its headers; `none` says why there are none. */
function sourceRecord(slices: DicomSlice[], geometry: VolumeGeometry): SeriesSource {
  try {
    return seriesSourceOf(sourceOfSlices(slices, geometry));
  } catch (error) {
    return {
      version: 1,
      kind: 'none',
      reason: errorMessage(error),
    };
  }
}

/**
 * A series stored before the library kept SEG references (or whose record is damaged) gets them
 * from the headers just scanned (no pixel is read), when they line up with the stored grid.
 */
function attachMissingSource(library: CaseLibrary, record: SeriesRecord, slices: DicomSlice[]) {
  if (record.source !== 'dicom') return;
  try {
    if (library.source(record.seriesId)) return;
  } catch {
    // a damaged record is written again below
  }
  try {
    const ordered = sliceGeometry(slices);
    const same = ordered.geometry.dimensions.every((d, i) => d === record.geometry.dimensions[i]);
    if (same) library.attachSource(record.seriesId, sourceRecord(ordered.slices, record.geometry));
  } catch {
    // the stored volume stays as it was; its SEG export keeps saying why it cannot be made
  }
}

function issueOf(error: unknown, fallbackPath: string): ImportIssue {
  if (error instanceof DicomReadError)
    return { path: error.path, problem: error.problem, message: error.message };
  const reason = errorMessage(error);
  // A library that cannot be written (a full disk, a read-only folder) is not the file's fault.
  const problem =
    error instanceof LibraryError || (error instanceof Error && 'code' in error)
      ? 'library'
      : 'internal';
  return { path: fallbackPath, problem, message: `${fallbackPath}: ${reason}` };
}

/**
 * Imports files, folders and zips into the library: scans every header, groups series, builds
 * and stores each volume that is not stored yet. A bad file or series is reported by name and
 * the rest goes on; a series already stored is never touched unless `replace` is set.
 */
export async function importPaths(
  paths: string[],
  library: CaseLibrary,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const { signal, onProgress } = options;
  const inputs = listInputs(paths);
  const checkCancel = () => {
    if (signal?.aborted) throw new ImportCancelled([...report.imported]);
  };
  const report: ImportReport = {
    files: inputs.files.length + inputs.nifti.length,
    imported: [],
    existing: [],
    failed: [],
    skipped: [],
  };
  const sort = (issue: ImportIssue) =>
    (issue.problem === 'not-image' || issue.problem === 'duplicate'
      ? report.skipped
      : report.failed
    ).push(issue);
  inputs.issues.forEach((e) => sort(issueOf(e, e.path)));
  const scan = await scanFiles(inputs.files, {
    signal,
    onProgress: (done, total) => onProgress?.({ phase: 'scan', done, total, detail: '' }),
  }).catch((error: unknown) => {
    checkCancel();
    throw error;
  });
  scan.issues.forEach((e) => sort(issueOf(e, e.path)));
  const groups = groupSeries(scan.slices);
  const series = groups.length + inputs.nifti.length;
  for (const group of groups) {
    checkCancel();
    if (library.has(group.id) && !options.replace) {
      const record = library.record(group.id);
      attachMissingSource(library, record, group.slices);
      report.existing.push(record);
      continue;
    }
    const description = describeSeries(group);
    const label = `${description.seriesDescription || description.modality || group.id}`;
    try {
      const { volume, warnings, slices } = await loadSeries(group, {
        signal,
        onProgress: (done, total) =>
          onProgress?.({ phase: 'read', done, total, detail: label, series }),
      });
      report.imported.push(
        library.save(
          {
            seriesId: group.id,
            source: 'dicom',
            patientName: description.patientName,
            patientId: description.patientId,
            studyInstanceUid: description.studyInstanceUid,
            studyDate: description.studyDate,
            studyDescription: description.studyDescription,
            seriesDescription:
              description.seriesDescription + (group.split ? ` (${group.split})` : ''),
            seriesNumber: description.seriesNumber,
            modality: description.modality,
            windows: description.windows,
            warnings,
          },
          volume,
          { replace: options.replace, source: sourceRecord(slices, volume.geometry) },
        ),
      );
    } catch (error) {
      checkCancel();
      sort(issueOf(error, group.slices[0].path));
    }
  }
  for (const [n, source] of inputs.nifti.entries()) {
    checkCancel();
    onProgress?.({
      phase: 'nifti',
      done: n,
      total: inputs.nifti.length,
      detail: source.path,
      series,
    });
    try {
      const bytes = source.all();
      const seriesId = `nifti:${createHash('sha256').update(bytes).digest('hex').slice(0, 40)}`;
      if (library.has(seriesId) && !options.replace) {
        report.existing.push(library.record(seriesId));
        continue;
      }
      const nifti = parseNifti(bytes, source.path);
      report.imported.push(
        library.save(
          {
            seriesId,
            source: 'nifti',
            patientName: '',
            patientId: '',
            studyInstanceUid: '',
            studyDate: '',
            studyDescription: '',
            seriesDescription: basename(source.path).replace(/\.nii(\.gz)?$/i, ''),
            seriesNumber: 0,
            modality: '',
            warnings: nifti.warnings.map((message) => ({ code: 'nifti', message })),
          },
          nifti.volume,
          { replace: options.replace },
        ),
      );
    } catch (error) {
      const message = errorMessage(error);
      report.failed.push({
        path: source.path,
        problem: 'nifti',
        message: message.startsWith(source.path) ? message : `${source.path}: ${message}`,
      });
    }
  }
  return report;
}
