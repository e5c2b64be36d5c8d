import { access } from 'node:fs/promises';
import type { VolumeGeometry } from '../volume/geometry';
import type { SegmentDefinition } from '../dicom/seg/Segment';
import { writeNifti } from '../nifti/writeNifti';
import { FileExistsError, writeFileAtomic } from '../files/atomicWrite';
import type { VoxelArray } from '../volume/Volume';
import { itkSnapLabels, labelTable } from './labelTable';
import { niftiExportPaths } from './niftiExportPaths';

/**
 * Writes a labelmap as NIfTI (the series' geometry in its sform and qform, as dcm2niix would
 * place it) with a JSON label table and an ITK-SNAP label file beside it. Nothing is overwritten
 * unless asked: every target is checked before the first is written, so a refused export leaves
 * no partial set behind; each file is written atomically. Returns the paths written.
 */
export async function exportNiftiLabelmap(
  path: string,
  geometry: VolumeGeometry,
  labelmap: VoxelArray,
  segments: SegmentDefinition[],
  options: { overwrite: boolean; description?: string },
): Promise<string[]> {
  const paths = niftiExportPaths(path);
  const all = [paths.nifti, paths.json, paths.itkSnap];
  if (!options.overwrite) {
    for (const target of all) {
      const exists = await access(target).then(
        () => true,
        () => false,
      );
      if (exists) throw new FileExistsError(target);
    }
  }
  const encoder = new TextEncoder();
  await writeFileAtomic(
    paths.json,
    encoder.encode(`${JSON.stringify(labelTable(segments), null, 2)}\n`),
    options.overwrite,
  );
  await writeFileAtomic(paths.itkSnap, encoder.encode(itkSnapLabels(segments)), options.overwrite);
  await writeNifti(paths.nifti, geometry, labelmap, options);
  return all;
}
