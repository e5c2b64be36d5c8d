import { z } from 'zod';
import { caseRefSchema, epochRecordSchema, libraryCaseRefSchema } from './trainingCommands';

const id = z.string().min(1).max(200);

const spreadSchema = z.object({ mean: z.number(), sd: z.number(), n: z.number().int() });

/**
 * One configuration's outcome on the held-out cases (the checkpoint each fold's validation
 * selected): mean and SD over cases, per class, a paired test against 2D, its plan and curve.
 */
export const compareRowSchema = z.object({
  name: z.string(),
  kind: z.enum(['2d', 'acs', '3d']),
  method: z.string(),
  /** foreground classes only; meanIouWithBackground counts class 0 */
  meanIou: z.number(),
  sdIou: z.number(),
  meanDice: z.number(),
  sdDice: z.number(),
  meanIouWithBackground: z.number(),
  sdIouWithBackground: z.number(),
  classIou: z.array(spreadSchema),
  pVs2d: z.object({ meanIou: z.number(), classIou: z.array(z.number()) }).nullable(),
  plan: z.object({
    patchSize: z.tuple([z.number(), z.number(), z.number()]),
    batchSize: z.number(),
    voxelsPerStep: z.number(),
    batchNorm: z.enum(['frozen', 'batch']),
  }),
  curve: z.array(epochRecordSchema),
  seconds: z.number(),
  paperMeanIou: z.number().nullable(),
});
export type CompareRowView = z.infer<typeof compareRowSchema>;

/** A fold of the cross-validation, by case key. */
export const compareFoldSchema = z.object({
  repeat: z.number().int(),
  seed: z.number().int(),
  fold: z.number().int(),
  train: z.array(z.string()),
  validation: z.array(z.string()),
  test: z.array(z.string()),
  validatesOnTraining: z.boolean(),
});

/**
 * The comparison of the transfer-learning paper's six configurations (2D, 3D random / centre /
 * averaging / scaling, ACS) from one 2D model's weights on the same library cases and budget.
 */
export const compareCommandSchemas = {
  startCompare: {
    params: z
      .object({
        /** a 2D model: every configuration starts from its weights */
        baseModelId: id,
        libraryCases: z.array(libraryCaseRefSchema).max(1000).default([]),
        /** open volumes with a labelmap (the CLI's image / labels files) */
        cases: z.array(caseRefSchema).max(1000).default([]),
        /** k of the k-fold cross-validation (default: the number of cases, at most 5) */
        folds: z.number().int().min(2).max(100).optional(),
        /** repeats of the cross-validation, with seeds seed, seed + 1, ... */
        repeats: z.number().int().min(1).max(20).default(1),
        epochs: z.number().int().min(1).max(1000),
        stepsPerEpoch: z.number().int().min(1).max(100_000),
        batchSize: z.number().int().min(1).max(16),
        patchSize: z
          .tuple([
            z.number().int().min(8).max(512),
            z.number().int().min(8).max(512),
            z.number().int().min(8).max(512),
          ])
          .optional(),
        seed: z.number().int().default(1),
        /** false: the inflated 3D encoders keep the depth, so zero-weight init equals 2D exactly */
        depthStrides: z.boolean().default(true),
        /**
         * 'calibrated' (the default: higher held-out IoU in 5 of 6 configurations on the real
         * cases, README): running statistics recomputed on the fold's training patches before
         * fine-tuning, then frozen; 'batch': batch statistics where the deepest stage has two
         * values a channel in a step, else frozen running statistics
         */
        normalisation: z.enum(['batch', 'calibrated']).default('calibrated'),
      })
      .strict()
      .refine((p) => p.libraryCases.length + p.cases.length >= 2, {
        message: 'the comparison needs at least two cases (one to hold out)',
        path: ['libraryCases'],
      }),
    result: z.object({
      jobId: id,
      reportDir: z.string(),
      /** every case by its stable key (content hash) and the name it is shown by */
      cases: z.array(z.object({ key: z.string(), name: z.string() })),
      folds: z.array(compareFoldSchema),
    }),
  },
} as const;

/** A configuration finished one epoch of the comparison. */
export const compareEpochEventSchema = z.object({
  type: z.literal('compare.epoch'),
  jobId: z.string().min(1),
  configuration: z.string(),
  index: z.number().int().nonnegative(),
  /** the fold (counted over all repeats) the configuration is training on */
  run: z.number().int().nonnegative(),
  record: epochRecordSchema,
});

/** The comparison's table, with where its report.json and report.html were written. */
export const compareDoneEventSchema = z.object({
  type: z.literal('compare.done'),
  jobId: z.string().min(1),
  rows: z.array(compareRowSchema),
  reportDir: z.string(),
});
