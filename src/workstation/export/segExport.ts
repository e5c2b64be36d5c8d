import type { SegmentDefinition } from '../../dicom/seg/Segment';
import type { SourceSeries } from '../../dicom/seg/SourceSeries';
import { writeSeg } from '../../dicom/seg/writeSeg';
import { segmentsWithVoxels } from './segmentDefinitions';
import { writeError } from './writeError';

/**
 * A segmentation as a DICOM SEG referencing the images it was drawn on (`source`: what import
 * kept in the library's source.json, or read from files kept elsewhere): what
 * `exportSegmentation` and `cli export` write. Segments without a voxel are left out.
 */
export async function segExport(
  target: string,
  source: SourceSeries,
  labels: Uint8Array,
  definitions: SegmentDefinition[],
  options: { overwrite: boolean; name: string; softwareVersion: string },
): Promise<{ paths: string[]; bytes: number }> {
  try {
    const bytes = await writeSeg(target, source, labels, segmentsWithVoxels(definitions, labels), {
      seriesDescription: options.name,
      contentLabel: 'SEGMENTATION',
      softwareVersion: options.softwareVersion,
      overwrite: options.overwrite,
    });
    return { paths: [target], bytes };
  } catch (error) {
    throw writeError(error, target);
  }
}
