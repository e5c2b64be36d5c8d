import { z } from 'zod';

const id = z.string().min(1).max(200);

/** An annotated case of this session: an open volume and a labelmap on its grid. */
export const caseRefSchema = z.object({ volumeId: id, labelmapId: id }).strict();

/**
 * Fine-tuning from the UI: a base model, what it becomes (its kind, and how 2D weights inflate
 * when the kind changes), the cases, and the budget. The trained model joins the model list.
 */
export const trainingCommandSchemas = {
  startTraining: {
    params: z
      .object({
        baseModelId: id,
        name: z.string().min(1).max(100),
        kind: z.enum(['2d', 'acs', '3d']),
        init: z.enum(['centre', 'average', 'scale', 'random', 'none']),
        cases: z.array(caseRefSchema).min(1).max(1000),
        validation: z.array(caseRefSchema).max(1000),
        epochs: z.number().int().min(1).max(1000),
        stepsPerEpoch: z.number().int().min(1).max(100_000),
        batchSize: z.number().int().min(1).max(16),
        seed: z.number().int().default(1),
      })
      .strict(),
    result: z.object({ jobId: id }),
  },
} as const;

export const epochRecordSchema = z.object({
  epoch: z.number().int(),
  loss: z.number(),
  meanDice: z.number(),
  meanIou: z.number(),
  dice: z.array(z.number()),
  iou: z.array(z.number()),
  seconds: z.number(),
});
export type EpochRecordView = z.infer<typeof epochRecordSchema>;
