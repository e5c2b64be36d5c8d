import type { VolumeGeometry } from '../volume/geometry';
import { encodeSeg } from '../dicom/seg/encodeSeg';
import type { SegOptions } from '../dicom/seg/encodeSeg';
import { readSourceSeries } from '../dicom/seg/readSourceSeries';
import type { SegmentDefinition } from '../dicom/seg/Segment';
import { writeSeg } from '../dicom/seg/writeSeg';
import type { VoxelArray } from '../volume/Volume';

/** The open series a segmentation was drawn on: its folder, its UID and the grid it was read into. */
export interface OpenSeries {
  dir: string;
  seriesInstanceUid: string;
  geometry: VolumeGeometry;
}

/** A DICOM SEG of `labelmap` referencing the open series' instances (read from its folder). */
export async function segForSeries(
  series: OpenSeries,
  labelmap: VoxelArray,
  segments: SegmentDefinition[],
  options: SegOptions,
): Promise<Uint8Array> {
  const source = await readSourceSeries(series.dir, series.seriesInstanceUid, series.geometry);
  return encodeSeg(source, labelmap, segments, options);
}

/** Exports a labelmap as a DICOM SEG file: atomic, never over an existing file unless asked. */
export async function exportDicomSeg(
  path: string,
  series: OpenSeries,
  labelmap: VoxelArray,
  segments: SegmentDefinition[],
  options: SegOptions & { overwrite: boolean },
): Promise<{ path: string; bytes: number }> {
  const source = await readSourceSeries(series.dir, series.seriesInstanceUid, series.geometry);
  return { path, bytes: await writeSeg(path, source, labelmap, segments, options) };
}
