import { z } from 'zod';

const id = z.string().min(1).max(200);

/** An annotated case of this session: an open volume and a labelmap on its grid. */
export const caseRefSchema = z.object({ volumeId: id, labelmapId: id }).strict();

/** An annotated case in the library: a stored series and one of its saved segmentations. */
export const libraryCaseRefSchema = z.object({ seriesId: id, segmentationId: id }).strict();
export type LibraryCaseRef = z.infer<typeof libraryCaseRefSchema>;

const patchSizeSchema = z.tuple([
  z.number().int().min(1).max(512),
  z.number().int().min(8).max(512),
  z.number().int().min(8).max(512),
]);

/** A library series that can be trained on: it has at least one saved segmentation. */
export const trainingCaseSummarySchema = z.object({
  seriesId: id,
  description: z.string(),
  modality: z.string(),
  dimensions: z.tuple([z.number(), z.number(), z.number()]),
  segmentations: z.array(
    z.object({
      segmentationId: id,
      name: z.string(),
      /** label value and name of each segment */
      segments: z.array(z.object({ index: z.number().int(), label: z.string() })),
      labelledVoxels: z.number().int().nonnegative(),
    }),
  ),
});
export type TrainingCaseSummary = z.infer<typeof trainingCaseSummarySchema>;

/** Which cases train and which validate, by id and readable name. */
export const trainingSplitSchema = z.object({
  train: z.array(z.object({ id: z.string(), name: z.string() })),
  validation: z.array(z.object({ id: z.string(), name: z.string() })),
  /** true when one case is all there is: it validates on what it trained on */
  validatesOnTraining: z.boolean(),
});
export type TrainingSplit = z.infer<typeof trainingSplitSchema>;

/** A training that stopped before its last epoch and can go on from its last checkpoint. */
export const resumableTrainingSchema = z.object({
  trainingId: id,
  name: z.string(),
  kind: z.enum(['2d', 'acs', '3d']),
  status: z.enum(['running', 'cancelled', 'failed']),
  epochsDone: z.number().int().nonnegative(),
  epochs: z.number().int().positive(),
  startedAt: z.string(),
});
export type ResumableTraining = z.infer<typeof resumableTrainingSchema>;

/**
 * Fine-tuning from the UI: a base model, what it becomes (its kind, and how 2D weights inflate
 * when the kind changes), the cases, and the budget. The trained model joins the model list.
 * Cases are open volumes with a labelmap, library cases, or both; without explicit validation
 * cases the library and open cases are split by the seed (at least one validates when there are
 * two or more).
 */
export const trainingCommandSchemas = {
  listTrainingCases: {
    params: z.object({}).strict(),
    result: z.array(trainingCaseSummarySchema),
  },
  startTraining: {
    params: z
      .object({
        baseModelId: id,
        name: z.string().min(1).max(100),
        kind: z.enum(['2d', 'acs', '3d']),
        init: z.enum(['centre', 'average', 'scale', 'random', 'none']),
        cases: z.array(caseRefSchema).max(1000).default([]),
        libraryCases: z.array(libraryCaseRefSchema).max(1000).default([]),
        validation: z.array(caseRefSchema).max(1000).default([]),
        /** share of the cases that validate when none are given (at least one of two or more) */
        validationShare: z.number().min(0).max(0.9).default(0.2),
        epochs: z.number().int().min(1).max(1000),
        stepsPerEpoch: z.number().int().min(1).max(100_000),
        batchSize: z.number().int().min(1).max(16),
        /** [depth, height, width] of the training patch, default: the model's (3D depth 32) */
        patchSize: patchSizeSchema.optional(),
        seed: z.number().int().default(1),
      })
      .strict()
      .refine((p) => p.cases.length + p.libraryCases.length > 0, {
        message: 'give at least one case (cases or libraryCases)',
        path: ['cases'],
      }),
    result: z.object({ jobId: id, trainingId: id, split: trainingSplitSchema }),
  },
  listResumableTrainings: {
    params: z.object({}).strict(),
    result: z.array(resumableTrainingSchema),
  },
  resumeTraining: {
    params: z.object({ trainingId: id }).strict(),
    result: z.object({
      jobId: id,
      trainingId: id,
      epochsDone: z.number().int().nonnegative(),
      /** the epochs before the resume point, for the curves */
      history: z.array(z.lazy(() => epochRecordSchema)),
    }),
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
