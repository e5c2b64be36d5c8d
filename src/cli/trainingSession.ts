import { ApiError } from '../api/errors';
import type { ApiEvent } from '../api/events';
import { createWorkstation } from '../workstation/createWorkstation';
import { appVersion } from '../workstation/paths';
import type { Workstation } from '../workstation/Workstation';
import { ExitCode } from './exitCodes';
import type { ProgressReporter } from './progress';

/**
 * The workstation `train` and `compare` run on: the app's own, with no library import at start,
 * and the image / labels files of the command line allowed as cases.
 */
export function openTrainingWorkstation(options: {
  modelsDir: string;
  dataDir?: string;
}): Promise<Workstation> {
  return createWorkstation({
    seriesFolders: [],
    modelsDir: options.modelsDir,
    dataDir: options.dataDir,
    version: appVersion(),
    backends: process.env.WORKSTATION_TF_BACKENDS,
    fileCases: true,
  });
}

/** Prints the engine's backend (and the training one, when asked) as the first lines. */
export async function reportBackend(
  workstation: Workstation,
  progress: ProgressReporter,
  training = false,
): Promise<void> {
  const status = await workstation.handlers.getBackendStatus({});
  progress.message(`engine backend: ${status.backend}`, { backend: status.backend });
  const trains = status.training;
  if (training && trains)
    progress.message(`training on ${trains.backend}: ${trains.reason}`, { training: trains });
}

/** The kind of a model's network (2d, acs, 3d); a fixed-weight model has none. */
export async function kindOf(workstation: Workstation, modelId: string): Promise<string> {
  const models = await workstation.handlers.listModels({});
  const model = models.find((m) => m.modelId === modelId);
  if (!model) {
    const ids = models.map((m) => m.modelId).join(', ') || 'none';
    throw new ApiError('not_found', `no model ${modelId} (models: ${ids})`);
  }
  const kind = model.card?.kind;
  if (kind !== '2d' && kind !== 'acs' && kind !== '3d')
    throw new ApiError('invalid_input', `${model.name} has fixed weights: it cannot be trained`);
  return kind;
}

/** The cases of `--image` / `--labels` pairs, opened in the workstation. */
export async function openFileCases(
  workstation: Workstation,
  images: string[],
  labels: string[],
): Promise<{ volumeId: string; labelmapId: string }[]> {
  const cases: { volumeId: string; labelmapId: string }[] = [];
  for (const [n, image] of images.entries()) {
    cases.push(await workstation.openFileCase(image, labels[n]));
  }
  return cases;
}

/** `--library`: every library series with a segmentation, with the first segmentation of each. */
export async function allLibraryCases(
  workstation: Workstation,
): Promise<{ seriesId: string; segmentationId: string }[]> {
  return (await workstation.handlers.listTrainingCases({})).map((c) => ({
    seriesId: c.seriesId,
    segmentationId: c.segmentations[0].segmentationId,
  }));
}

/**
 * Runs a job of the workstation to its end: progress to the reporter, per-epoch lines, Ctrl-C
 * cancels it. Resolves with the final event and the exit code it means.
 */
export async function follow(
  workstation: Workstation,
  start: () => Promise<{ jobId: string }>,
  progress: ProgressReporter,
  final: ApiEvent['type'],
): Promise<{ code: number; event: ApiEvent | null }> {
  let jobId: string | null = null;
  const early: ApiEvent[] = [];
  let settle: (result: { code: number; event: ApiEvent | null }) => void = () => undefined;
  const ended = new Promise<{ code: number; event: ApiEvent | null }>((r) => (settle = r));
  const handle = (event: ApiEvent) => {
    if (event.type === 'job.progress') {
      progress.update(event.phase, event.done, event.total, event.etaSeconds);
    } else if (event.type === 'training.epoch' || event.type === 'compare.epoch') {
      const r = event.record;
      const who = event.type === 'compare.epoch' ? `${event.configuration}: ` : '';
      progress.message(
        `${who}epoch ${r.epoch}: loss ${r.loss.toFixed(4)}, mean Dice ${r.meanDice.toFixed(3)}, mean IoU ${r.meanIou.toFixed(3)}`,
        {
          ...(event.type === 'compare.epoch' ? { configuration: event.configuration } : {}),
          ...r,
        },
      );
    } else if (event.type === final) {
      settle({ code: ExitCode.ok, event });
    } else if (event.type === 'job.cancelled') {
      settle({ code: ExitCode.cancelled, event });
    } else if (event.type === 'job.failed') {
      settle({ code: ExitCode.failed, event });
    }
  };
  const off = workstation.onEvent((event) => {
    if (!('jobId' in event)) return;
    if (jobId === null) early.push(event);
    else if (event.jobId === jobId) handle(event);
  });
  const onSigint = () => {
    progress.message('cancelling (Ctrl-C)…');
    if (jobId) void workstation.handlers.cancelJob({ jobId });
  };
  process.on('SIGINT', onSigint);
  try {
    jobId = (await start()).jobId;
    for (const event of early.splice(0)) if (event.jobId === jobId) handle(event);
    const result = await ended;
    progress.finish();
    return result;
  } finally {
    off();
    process.off('SIGINT', onSigint);
  }
}

/** The exit code an error means: bad input (a file, a case, a model) or a failure. */
export function exitCodeOf(error: unknown): number {
  return error instanceof ApiError &&
    ['invalid_input', 'not_found', 'bad_request'].includes(error.code)
    ? ExitCode.badInput
    : ExitCode.failed;
}
