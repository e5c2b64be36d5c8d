import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { caseRefSchema, libraryCaseRefSchema } from '../../api/trainingCommands';
import type { ResumableTraining } from '../../api/trainingCommands';
import type { EpochRecord } from '../../engine/train/checkpoints';
import { writeFileAtomic } from '../../files/atomicWrite';

const caseSourceSchema = z.union([
  z.object({ library: libraryCaseRefSchema }),
  z.object({ open: caseRefSchema }),
  /** image and labels files named on the command line: read again when resuming */
  z.object({ file: z.object({ image: z.string(), labels: z.string() }) }),
]);
export type CaseSource = z.infer<typeof caseSourceSchema>;

/**
 * What a training was asked to do, kept beside its checkpoints (`<workDir>/job.json`) so that it
 * can go on after a cancel, a crash or a restart: the model, the target, the cases (library cases
 * survive a restart; open volumes only the session), the budget and where the model lands.
 */
export const trainingRecordSchema = z.object({
  version: z.literal(1),
  trainingId: z.string(),
  name: z.string(),
  baseModelId: z.string(),
  kind: z.enum(['2d', 'acs', '3d']),
  init: z.enum(['centre', 'average', 'scale', 'random', 'none']),
  patchSize: z.tuple([z.number(), z.number(), z.number()]).optional(),
  train: z.array(caseSourceSchema),
  validation: z.array(caseSourceSchema),
  options: z.object({
    epochs: z.number().int(),
    stepsPerEpoch: z.number().int(),
    batchSize: z.number().int(),
    seed: z.number().int(),
  }),
  modelDir: z.string(),
  status: z.enum(['running', 'cancelled', 'failed', 'done']),
  startedAt: z.string(),
});
export type TrainingRecord = z.infer<typeof trainingRecordSchema>;

const RECORD = 'job.json';

export async function writeTrainingRecord(workDir: string, record: TrainingRecord): Promise<void> {
  const bytes = new TextEncoder().encode(JSON.stringify(record, null, 1) + '\n');
  await writeFileAtomic(join(workDir, RECORD), bytes, true);
}

export async function readTrainingRecord(workDir: string): Promise<TrainingRecord> {
  const path = join(workDir, RECORD);
  const parsed = trainingRecordSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path}: not a training record (${parsed.error.message})`);
  return parsed.data;
}

/** The epochs the last checkpoint holds (as checkpoints.ts writes it), none when there is none. */
export async function checkpointHistory(workDir: string): Promise<EpochRecord[]> {
  for (const name of ['last', 'last.old']) {
    const path = join(workDir, name, 'training.json');
    if (existsSync(path)) {
      const state = JSON.parse(await readFile(path, 'utf8')) as { history: EpochRecord[] };
      return state.history;
    }
  }
  return [];
}

/** Trainings under `trainingRoot` that stopped before their last epoch, newest first. */
export async function listResumable(trainingRoot: string): Promise<ResumableTraining[]> {
  const names = await readdir(trainingRoot).catch(() => [] as string[]);
  const found: ResumableTraining[] = [];
  for (const name of names) {
    const dir = join(trainingRoot, name);
    const record = await readTrainingRecord(dir).catch(() => null);
    if (!record || record.status === 'done') continue;
    const done = (await checkpointHistory(dir)).length;
    if (done >= record.options.epochs) continue;
    found.push({
      trainingId: record.trainingId,
      name: record.name,
      kind: record.kind,
      status: record.status,
      epochsDone: done,
      epochs: record.options.epochs,
      startedAt: record.startedAt,
    });
  }
  return found.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}
