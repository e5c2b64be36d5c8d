import { stat } from 'node:fs/promises';
import { ApiError } from '../../api/errors';
import type { VolumeGeometry } from '../../volume/geometry';
import type { SegmentDefinition } from '../../dicom/seg/Segment';
import { exportNiftiLabelmap } from '../../export/exportNiftiLabelmap';
import { writeError } from './writeError';

/**
 * A segmentation as NIfTI on its volume's grid, with its label table (JSON and ITK-SNAP) beside
 * it: what `exportSegmentation` and `cli export` write.
 */
export async function niftiExport(
  target: string,
  geometry: VolumeGeometry,
  labels: Uint8Array,
  definitions: SegmentDefinition[],
  options: { overwrite: boolean; name: string },
): Promise<{ paths: string[]; bytes: number }> {
  if (!/\.nii(\.gz)?$/i.test(target)) {
    throw new ApiError('bad_request', `${target}: a NIfTI file name ends in .nii or .nii.gz`);
  }
  try {
    const paths = await exportNiftiLabelmap(target, geometry, labels, definitions, {
      overwrite: options.overwrite,
      description: options.name,
    });
    let bytes = 0;
    for (const written of paths) bytes += (await stat(written)).size;
    return { paths, bytes };
  } catch (error) {
    throw writeError(error, target);
  }
}
