import { z } from 'zod';
import type { VolumeGeometry } from '../volume/geometry';
import type { SourceSeries } from '../dicom/seg/SourceSeries';

/**
 * What the library keeps beside a DICOM series' volume (source.json) so that a SEG drawn on it
 * can reference its images after the files are gone (uploads are deleted once imported): the
 * SourceSeries less the grid, which meta.json holds. `none` says why a SEG cannot reference the
 * series (no frame of reference), so the export error can.
 */
export const seriesSourceSchema = z.discriminatedUnion('kind', [
  z.object({
    version: z.literal(1),
    kind: z.literal('dicom'),
    studyInstanceUid: z.string(),
    seriesInstanceUid: z.string().min(1),
    frameOfReferenceUid: z.string().min(1),
    patientStudy: z.record(z.string(), z.string()),
    /** the instance of each slice, in the volume's slice order */
    instances: z.array(
      z.object({
        sopClassUid: z.string(),
        sopInstanceUid: z.string().min(1),
        /** the frame, from 1, of an enhanced multi-frame instance */
        frameNumber: z.number().int().positive().optional(),
      }),
    ),
  }),
  z.object({ version: z.literal(1), kind: z.literal('none'), reason: z.string() }),
]);
export type SeriesSource = z.infer<typeof seriesSourceSchema>;

export function seriesSourceOf(source: SourceSeries): SeriesSource {
  return {
    version: 1,
    kind: 'dicom',
    studyInstanceUid: source.studyInstanceUid,
    seriesInstanceUid: source.seriesInstanceUid,
    frameOfReferenceUid: source.frameOfReferenceUid,
    patientStudy: source.patientStudy,
    instances: source.instances,
  };
}

/** The stored references on the grid of the volume they were kept with. */
export function sourceSeriesOn(
  source: Extract<SeriesSource, { kind: 'dicom' }>,
  geometry: VolumeGeometry,
): SourceSeries {
  if (source.instances.length !== geometry.dimensions[2]) {
    throw new Error(
      `${source.instances.length} referenced images for ${geometry.dimensions[2]} slices`,
    );
  }
  return {
    geometry,
    studyInstanceUid: source.studyInstanceUid,
    seriesInstanceUid: source.seriesInstanceUid,
    frameOfReferenceUid: source.frameOfReferenceUid,
    patientStudy: source.patientStudy,
    instances: source.instances,
  };
}
