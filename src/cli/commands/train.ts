import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { errorMessage } from '../../errors/errorMessage';
import type { Workstation } from '../../workstation/Workstation';
import { ExitCode } from '../exitCodes';
import { progressReporter } from '../progress';
import {
  allLibraryCases,
  exitCodeOf,
  follow,
  kindOf,
  openFileCases,
  openTrainingWorkstation,
  reportBackend,
} from '../trainingSession';
import { budgetOptions, caseAndBudgetOptions, libraryRefs, UsageError } from '../options';

export const TRAIN_HELP = `Usage: cli train --base <model-id> [cases] [options]
       cli train --resume <training-id>
       cli train --list-resumable

Fine-tunes a model (or converts a 2D model to ACS / 3D first) on annotated cases and saves the
best epoch as a new model, with its card, in the data folder's models/ (it then appears in the
app's model list). Checkpoints go to the data folder's training/<training-id>/; an interrupted or
cancelled training goes on from its last checkpoint with --resume.

Cases (at least one; without validation cases they are split by --seed, one in five validates):
  --image <path> --labels <labels.nii.gz>   an image (DICOM folder or NIfTI) and its labelmap on
                                            the same grid; repeat the pair for more cases
  --library-case <series-id>/<segmentation-id>   a library series and its saved segmentation
  --library                                 every library series with a segmentation (the first
                                            segmentation of each)

Options:
  --base <model-id>       the model to start from (a folder name in --models or the data folder)
  --kind <2d|acs|3d>      the network to train (default: the base model's kind)
  --init <centre|average|scale|random|none>  how 2D weights inflate to 3D (default: centre)
  --name <text>           the new model's name (default: "<base> fine-tuned")
  --epochs <n>            epochs (default 10)
  --steps <n>             steps per epoch (default 50)
  --batch <n>             patches per step (default 2)
  --patch <d,h,w>         training patch size in voxels (default: the model's)
  --validation-share <f>  share of the cases that validate (default 0.2)
  --seed <n>              seed of the split, the patches and the augmentation (default 1)
  --models <dir>          the bundled model folder (default: the app's)
  --data <dir>            the data folder (default: $WORKSTATION_DATA or the app's)
  -h, --help              this text

Exit codes: 0 trained, 1 failed, 2 bad command line, 3 bad input (file, case, model),
130 cancelled (Ctrl-C; the last completed epoch's checkpoint stays, --resume goes on from it).`;

/** `cli train`: fine-tuning on files or library cases, resume, and the list of resumable ones. */
export async function runTrain(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      base: { type: 'string' },
      kind: { type: 'string' },
      init: { type: 'string', default: 'centre' },
      name: { type: 'string' },
      ...caseAndBudgetOptions({ epochs: '10', steps: '50' }),
      resume: { type: 'string' },
      'list-resumable': { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(TRAIN_HELP);
    return ExitCode.ok;
  }
  let params: Record<string, unknown> | null = null;
  let refs: { seriesId: string; segmentationId: string }[] = [];
  try {
    if (!values.resume && !values['list-resumable']) {
      if (!values.base) throw new UsageError('--base is required');
      if (values.image.length !== values.labels.length)
        throw new UsageError('give one --labels for every --image');
      if (values.kind && !['2d', 'acs', '3d'].includes(values.kind))
        throw new UsageError(`--kind must be 2d, acs or 3d, not ${values.kind}`);
      if (!['centre', 'average', 'scale', 'random', 'none'].includes(values.init))
        throw new UsageError(`--init must be centre, average, scale, random or none`);
      if (values.image.length + values['library-case'].length === 0 && !values.library)
        throw new UsageError('give cases: --image/--labels, --library-case or --library');
      refs = libraryRefs(values['library-case']);
      params = {
        baseModelId: values.base,
        name: values.name ?? `${values.base} fine-tuned`,
        init: values.init,
        ...budgetOptions(values),
      };
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${TRAIN_HELP}`);
    return ExitCode.usage;
  }

  const progress = progressReporter();
  let workstation: Workstation;
  try {
    workstation = await openTrainingWorkstation({ modelsDir: values.models, dataDir: values.data });
  } catch (error) {
    progress.message(`error: ${errorMessage(error)}`);
    return exitCodeOf(error);
  }
  try {
    const { handlers, dataDir } = workstation;
    await reportBackend(workstation, progress);
    if (values['list-resumable']) {
      const list = await handlers.listResumableTrainings({});
      for (const t of list) {
        console.log(`${t.trainingId}\t${t.status}\t${t.epochsDone}/${t.epochs} epochs\t${t.name}`);
      }
      if (list.length === 0) progress.message('no training to resume');
      return ExitCode.ok;
    }
    let resumeId = values.resume;
    if (params) {
      const cases = await openFileCases(workstation, values.image, values.labels);
      const library = values.library ? await allLibraryCases(workstation) : refs;
      if (values.library && library.length === 0)
        progress.message('the library has no series with a segmentation');
      const base = values.base ?? '';
      const started = await follow(
        workstation,
        async () => {
          const result = await handlers.startTraining({
            ...(params as Parameters<typeof handlers.startTraining>[0]),
            kind: (values.kind ?? (await kindOf(workstation, base))) as '2d' | 'acs' | '3d',
            cases,
            libraryCases: library,
          });
          resumeId = result.trainingId;
          progress.message(
            `training ${result.trainingId}: ${result.split.train.length} training, ${result.split.validation.length} validation case(s)${result.split.validatesOnTraining ? ' (one case: it validates on itself)' : ''}`,
            { trainingId: result.trainingId, split: result.split },
          );
          return result;
        },
        progress,
        'training.done',
      );
      return report(started, dataDir, resumeId, progress);
    }
    const resumed = await follow(
      workstation,
      async () => {
        const result = await handlers.resumeTraining({ trainingId: resumeId ?? '' });
        progress.message(`resuming ${result.trainingId} after epoch ${result.epochsDone}`, {
          trainingId: result.trainingId,
          epochsDone: result.epochsDone,
        });
        return result;
      },
      progress,
      'training.done',
    );
    return report(resumed, dataDir, resumeId, progress);
  } catch (error) {
    progress.finish();
    progress.message(`error: ${errorMessage(error)}`);
    return exitCodeOf(error);
  } finally {
    await workstation.close();
  }
}

function report(
  outcome: Awaited<ReturnType<typeof follow>>,
  dataDir: string,
  trainingId: string | undefined,
  progress: ReturnType<typeof progressReporter>,
): number {
  const { event } = outcome;
  if (event?.type === 'training.done') {
    const dir = join(dataDir, 'models', event.model.modelId);
    const best = event.history.reduce((a, b) => (b.meanDice > a.meanDice ? b : a));
    progress.message(
      `new model ${event.model.name} (${event.model.modelId}) in ${dir}: best epoch ${best.epoch}, mean Dice ${best.meanDice.toFixed(3)}, mean IoU ${best.meanIou.toFixed(3)}`,
      { modelId: event.model.modelId, modelDir: dir, card: join(dir, 'model.json'), best },
    );
  } else if (event?.type === 'job.cancelled') {
    progress.message(`cancelled: go on with  cli train --resume ${trainingId}`, { trainingId });
  } else if (event?.type === 'job.failed') {
    progress.message(`error: ${event.error.message}`);
  }
  return outcome.code;
}
