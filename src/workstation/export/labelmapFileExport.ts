import { statSync } from 'node:fs';
import { ApiError } from '../../api/errors';
import { readSourceSeries } from '../../dicom/seg/readSourceSeries';
import type { SegmentDefinition } from '../../dicom/seg/Segment';
import { readLabelTableBeside } from '../../export/labelTable';
import { readDicomSeries, readImage, readLabelsOnto } from '../volumes/imageFiles';
import { niftiExport } from './niftiExport';
import { segExport } from './segExport';

export interface LabelmapFileExport {
  /** a NIfTI labelmap on the grid of `reference` */
  labelmap: string;
  /** its image: a DICOM series folder or a NIfTI file; a SEG needs the DICOM folder */
  reference: string;
  format: 'nifti' | 'seg';
  /** the file to write (absolute) */
  path: string;
  overwrite: boolean;
  softwareVersion: string;
}

/** Segments for the values a labelmap holds, when no label table names them. */
function unnamedSegments(labels: Uint8Array): SegmentDefinition[] {
  const present = new Set<number>();
  for (const v of labels) if (v) present.add(v);
  return [...present]
    .sort((a, b) => a - b)
    .map((index) => ({
      labelValue: index,
      label: `Segment ${index}`,
      color: [255, 0, 0],
      kind: 'tissue',
      algorithmType: 'MANUAL',
    }));
}

/**
 * A labelmap file on the grid of its reference image, as NIfTI or (on a DICOM folder) a SEG
 * referencing the folder's instances: `cli export <labels> --reference <image>`. Segments are
 * named by the label table an export wrote beside the labelmap, else "Segment n". The series is
 * decoded once: its grid from the pixels, the references from the same folder's headers.
 */
export async function exportLabelmapFile(
  request: LabelmapFileExport,
): Promise<{ paths: string[]; bytes: number }> {
  const { labelmap, reference, overwrite } = request;
  const segmentsOf = async (labels: Uint8Array) =>
    (await readLabelTableBeside(labelmap)) ?? unnamedSegments(labels);
  if (request.format === 'nifti') {
    const volume = await readImage(reference);
    const labels = await readLabelsOnto(labelmap, volume);
    return niftiExport(request.path, volume.geometry, labels, await segmentsOf(labels), {
      overwrite,
      name: 'Segmentation',
    });
  }
  if (!statSync(reference, { throwIfNoEntry: false })?.isDirectory())
    throw new ApiError('invalid_input', `${reference}: a DICOM SEG needs the DICOM series folder`);
  const series = await readDicomSeries(reference);
  const labels = await readLabelsOnto(labelmap, series.volume);
  const { seriesInstanceUid } = series.description;
  const source = await readSourceSeries(reference, seriesInstanceUid, series.volume.geometry);
  return segExport(request.path, source, labels, await segmentsOf(labels), {
    overwrite,
    name: 'Segmentation',
    softwareVersion: request.softwareVersion,
  });
}
