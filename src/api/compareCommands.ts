import { z } from 'zod';
import { caseRefSchema, epochRecordSchema, libraryCaseRefSchema } from './trainingCommands';

const id = z.string().min(1).max(200);

/** One configuration's outcome: its best validation mean IoU and Dice, and its curve. */
export const compareRowSchema = z.object({
  name: z.string(),
  kind: z.enum(['2d', 'acs', '3d']),
  method: z.string(),
  meanIou: z.number(),
  meanDice: z.number(),
  curve: z.array(epochRecordSchema),
  seconds: z.number(),
});
export type CompareRowView = z.infer<typeof compareRowSchema>;

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
        validationShare: z.number().min(0).max(0.9).default(0.2),
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
      })
      .strict()
      .refine((p) => p.libraryCases.length + p.cases.length >= 2, {
        message: 'the comparison needs at least two cases (one to validate on)',
        path: ['libraryCases'],
      }),
    result: z.object({ jobId: id, reportDir: z.string() }),
  },
} as const;

/** A configuration finished one epoch of the comparison. */
export const compareEpochEventSchema = z.object({
  type: z.literal('compare.epoch'),
  jobId: z.string().min(1),
  configuration: z.string(),
  index: z.number().int().nonnegative(),
  record: epochRecordSchema,
});

/** The comparison's table, with where its report.json and report.html were written. */
export const compareDoneEventSchema = z.object({
  type: z.literal('compare.done'),
  jobId: z.string().min(1),
  rows: z.array(compareRowSchema),
  reportDir: z.string(),
});
