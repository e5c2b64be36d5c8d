import { z } from 'zod';

const vec3 = z.tuple([z.number(), z.number(), z.number()]);

/**
 * What the AI panel shows of a model's card: the facts a reader weighs before running it (what
 * kind of network, where its weights came from, what it segments, what input it expects and how
 * well it did on which cases). Plain values, so the renderer needs no engine types.
 */
export const modelCardSummarySchema = z.object({
  /** '2d', 'acs', '3d', or 'threshold' for the fixed-weight test model */
  kind: z.string(),
  architecture: z.string(),
  /** how 2D weights became these ones, e.g. "2d → acs (average)", or "none" */
  conversion: z.string(),
  classes: z.array(z.string()),
  /** spacing (column, row, slice) in mm the input is resampled to; null: used as it is */
  inputSpacing: vec3.nullable(),
  /** intensity normalisation, in words, e.g. "window [-1000, 400] to [0, 1]" */
  normalisation: z.string(),
  /** patch (depth, height, width) in voxels */
  patchSize: vec3,
  metrics: z.record(z.string(), z.number()),
  trainedOn: z.array(z.string()),
  /** the modality (MR, CT, ...) the weights were trained on; null when the card does not say */
  modality: z.string().nullable(),
});
export type ModelCardSummary = z.infer<typeof modelCardSummarySchema>;
