import { z } from 'zod';

const id = z.string().min(1).max(200);
/** ids that also name files and HTTP paths: letters, digits, '_' and '-' */
const fileSafeId = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\w-]+$/, 'letters, digits, _ and - only');

export const segmentInfoSchema = z.object({
  /** the label value in the labelmap */
  index: z.number().int().min(1).max(255),
  label: z.string().max(200),
  color: z.tuple([
    z.number().int().min(0).max(255),
    z.number().int().min(0).max(255),
    z.number().int().min(0).max(255),
  ]),
  visible: z.boolean(),
  locked: z.boolean(),
});
export type SegmentInfoRecord = z.infer<typeof segmentInfoSchema>;

/** A segmentation saved in the workstation's data folder for one series. */
export const savedSegmentationSchema = z.object({
  segmentationId: fileSafeId,
  seriesId: id,
  name: z.string().max(200),
  segments: z.array(segmentInfoSchema).max(255),
  /** ISO time of the save */
  savedAt: z.string(),
  /** increases with every save; a save with an older revision than the stored one is refused */
  revision: z.number().int().nonnegative(),
  /** labelled voxels */
  labelledVoxels: z.number().int().nonnegative(),
});
export type SavedSegmentation = z.infer<typeof savedSegmentationSchema>;

/**
 * Segmentations of a series kept across sessions (autosave). The labels travel as bytes outside
 * the message channel: `PUT /voxels/labelmap/<labelmapId>?volumeId=<volumeId>` (browser host) or
 * the bridge's `putLabelmap` (Electron) first, then `saveSegmentation` names that labelmap.
 */
export const segmentationCommandSchemas = {
  listSegmentations: {
    params: z.object({ seriesId: id }).strict(),
    result: z.array(savedSegmentationSchema),
  },
  saveSegmentation: {
    params: z
      .object({
        seriesId: id,
        segmentationId: fileSafeId,
        /** an uploaded labelmap of an open volume of this series */
        labelmapId: id,
        name: z.string().max(200),
        segments: z.array(segmentInfoSchema).max(255),
        revision: z.number().int().nonnegative(),
      })
      .strict(),
    result: savedSegmentationSchema,
  },
  /** Makes a saved segmentation a labelmap of an open volume; fetch its bytes by labelmapId. */
  loadSegmentation: {
    params: z.object({ seriesId: id, segmentationId: fileSafeId, volumeId: id }).strict(),
    result: z.object({ segmentation: savedSegmentationSchema, labelmapId: id }),
  },
  deleteSegmentation: {
    params: z.object({ seriesId: id, segmentationId: fileSafeId }).strict(),
    result: z.object({ deleted: z.boolean() }),
  },
} as const;
