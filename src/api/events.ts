import { z } from 'zod';
import { labelmapInfoSchema } from './commands';

const jobId = z.string().min(1);

export const jobProgressEventSchema = z.object({
  type: z.literal('job.progress'),
  jobId,
  phase: z.string(),
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  /** seconds left, estimated from the rate so far; null before the first step */
  etaSeconds: z.number().nullable(),
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
]);
export type ApiEvent = z.infer<typeof apiEventSchema>;
export type ApiEventType = ApiEvent['type'];
