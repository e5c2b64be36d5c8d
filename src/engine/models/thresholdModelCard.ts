import { z } from 'zod';

/**
 * The skeleton's model card: a fixed-weight network whose answer is known (label 1 where the
 * voxel exceeds `threshold`). It runs through the same engine path as the trained networks,
 * whose card is nn/modelCard.ts.
 */
export const thresholdModelCardSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  architecture: z.literal('threshold-conv1x1x1'),
  classes: z.tuple([z.string(), z.string()]),
  threshold: z.number(),
  /** slope of the logit in intensity units: larger is sharper at the threshold */
  sharpness: z.number().positive(),
  patchSize: z.tuple([
    z.number().int().positive(),
    z.number().int().positive(),
    z.number().int().positive(),
  ]),
  overlap: z.number().min(0).lt(1),
  batchSize: z.number().int().positive(),
  /** the modality (MR, CT, ...) whose intensities the threshold is meant for; absent: any */
  modality: z.string().min(1).max(16).optional(),
});
export type ThresholdModelCard = z.infer<typeof thresholdModelCardSchema>;
