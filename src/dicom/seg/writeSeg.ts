import { writeFileAtomic } from '../../files/atomicWrite';
import type { VoxelArray } from '../../volume/Volume';
import { encodeSeg } from './encodeSeg';
import type { SegOptions } from './encodeSeg';
import type { SegmentDefinition } from './Segment';
import type { SourceSeries } from './SourceSeries';

/** Writes a DICOM SEG file atomically; an existing file is kept unless `overwrite`. Returns bytes written. */
export async function writeSeg(
  path: string,
  source: SourceSeries,
  labelmap: VoxelArray,
  segments: SegmentDefinition[],
  options: SegOptions & { overwrite: boolean },
): Promise<number> {
  const bytes = encodeSeg(source, labelmap, segments, options);
  await writeFileAtomic(path, bytes, options.overwrite);
  return bytes.byteLength;
}
