import { z } from 'zod';
import { displayWindowSchema } from '../volume/displayWindow';
import { volumeGeometrySchema, voxelTypeSchema } from '../volume/geometry';

/** What the library keeps about a stored series, in its meta.json. */
export const seriesRecordSchema = z.object({
  /** format of this record, so a later version can read or migrate an older library */
  version: z.literal(1),
  /** the SeriesInstanceUID (with a suffix where a series was split), or `nifti:<sha256>` */
  seriesId: z.string().min(1),
  source: z.enum(['dicom', 'nifti']),
  patientName: z.string(),
  patientId: z.string(),
  studyInstanceUid: z.string(),
  studyDate: z.string(),
  studyDescription: z.string(),
  seriesDescription: z.string(),
  seriesNumber: z.number(),
  modality: z.string(),
  geometry: volumeGeometrySchema,
  voxelType: voxelTypeSchema,
  range: z.tuple([z.number(), z.number()]),
  /** the series' own Window Center/Width pairs (DICOM); absent in records of older versions */
  windows: z.array(displayWindowSchema).optional(),
  warnings: z.array(z.object({ code: z.string(), message: z.string() })),
  importedAt: z.string(),
  /** bytes of volume.bin */
  bytes: z.number().int().nonnegative(),
});
export type SeriesRecord = z.infer<typeof seriesRecordSchema>;
