import { z } from 'zod';
import { labelmapInfoSchema, modelSummarySchema } from './commands';
import { libraryEventSchemas } from './libraryCommands';
import { pacsRetrievedEventSchema } from './pacsCommands';
import { epochRecordSchema } from './trainingCommands';
import { compareDoneEventSchema, compareEpochEventSchema } from './compareCommands';

const jobId = z.string().min(1);

export const jobProgressEventSchema = z.object({
  type: z.literal('job.progress'),
  jobId,
  phase: z.string(),
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  /** seconds left, estimated from the rate so far; null before the first step */
  etaSeconds: z.number().nullable(),
  /** training only: the epoch, the last step's loss and the runtime that trains */
  epoch: z.number().int().optional(),
  loss: z.number().nullable().optional(),
  backend: z.string().optional(),
});

/** One finished training epoch, for live loss and Dice curves. */
export const trainingEpochEventSchema = z.object({
  type: z.literal('training.epoch'),
  jobId,
  record: epochRecordSchema,
});

/** A training job's result: the new model, now in the model list. */
export const trainingDoneEventSchema = z.object({
  type: z.literal('training.done'),
  jobId,
  model: modelSummarySchema,
  history: z.array(epochRecordSchema),
});

export const jobDoneEventSchema = z.object({
  type: z.literal('job.done'),
  jobId,
  labelmap: labelmapInfoSchema,
});

export const jobFailedEventSchema = z.object({
  type: z.literal('job.failed'),
  jobId,
  error: z.object({ code: z.string(), message: z.string() }),
});

export const jobCancelledEventSchema = z.object({ type: z.literal('job.cancelled'), jobId });

export const apiEventSchema = z.discriminatedUnion('type', [
  jobProgressEventSchema,
  jobDoneEventSchema,
  jobFailedEventSchema,
  jobCancelledEventSchema,
  trainingEpochEventSchema,
  trainingDoneEventSchema,
  ...libraryEventSchemas,
  pacsRetrievedEventSchema,
  compareEpochEventSchema,
  compareDoneEventSchema,
]);
export type ApiEvent = z.infer<typeof apiEventSchema>;
export type ApiEventType = ApiEvent['type'];
