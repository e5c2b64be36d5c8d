import { cp } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { errorMessage } from '../../errors/errorMessage';
import { readCompareReport } from '../../workstation/training/compareReport';
import type { Workstation } from '../../workstation/Workstation';
import { ExitCode } from '../exitCodes';
import {
  budgetOptions,
  caseAndBudgetOptions,
  intOption,
  libraryRefs,
  UsageError,
} from '../options';
import { progressReporter } from '../progress';
import {
  allLibraryCases,
  exitCodeOf,
  follow,
  openFileCases,
  openTrainingWorkstation,
  reportBackend,
} from '../trainingSession';
import { printCompareTable } from './compareTable';

export const COMPARE_HELP = `Usage: cli compare --base <2d-model-id> [cases] --out <dir> [options]

The transfer-learning paper's table on your own cases, as a protocol a reader can check. From the
same 2D weights it trains the 2D network, the 3D network with random, centre (zero-weight),
averaging and scaling init, and the ACS network, in k-fold cross-validation: in each fold one
fold of cases is held out, the next selects the checkpoint (best validation mean Dice), the rest
train; the selected checkpoint alone segments the held-out cases. Every configuration sees the
same labelled voxels per step: the 3D ones a batch of 3D patches, the 2D one slices of the same
height and width (whole slices where they fit), as many as the 3D batch has slices. Cases are
keyed by content (SHA-256 of image and labels), so the same seed and cases give the same folds
in any order.

Prints and writes (report.json, report.html and the held-out labelmaps to --out; a copy stays in
the data folder's compare/) the held-out mean IoU over the foreground classes (mean +- SD over
cases), with the background, per class, and a paired sign-flip test against 2D.

Cases (at least two):
  --image <path> --labels <labels.nii.gz>   an image (DICOM folder or NIfTI) and its labelmap
  --library-case <series-id>/<segmentation-id>   a library series and its saved segmentation
  --library                                 every library series with a segmentation

Options:
  --base <model-id>       a 2D model: every configuration starts from its weights
  --out <dir>             where the report goes                                    (required)
  --folds <k>             folds of the cross-validation (default: the cases, at most 5)
  --repeats <n>           repeats of it, with seeds seed, seed+1, ... (default 1)
  --epochs <n>            epochs per configuration and fold (default 5)
  --steps <n>             steps per epoch (default 20)
  --batch <n>             3D patches per step (default 2; 2D: this times the patch depth)
  --patch <d,h,w>         the 3D patch (default: 32 deep, the model's height and width)
  --seed <n>              seed (default 1)
  --depth-stride-free     inflated 3D encoders keep the depth (strides and pooling in-plane
                          only): zero-weight init then starts exactly as the 2D network. The
                          default is the paper's network, which strides and pools in depth.
  --batch-norm <mode>     calibrated (default): running statistics recomputed on the fold's
                          training patches before fine-tuning (no weight changes), then
                          frozen; batch: batch statistics where the deepest stage has two
                          values a channel in a step, else frozen running statistics
  --models <dir>          the bundled model folder (default: the app's)
  --data <dir>            the data folder (default: $WORKSTATION_DATA or the app's)
  -h, --help              this text

Exit codes: 0 done, 1 failed, 2 bad command line, 3 bad input, 130 cancelled (Ctrl-C).`;

/** `cli compare`: the six-configuration cross-validated comparison and its report. */
export async function runCompare(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      base: { type: 'string' },
      out: { type: 'string' },
      folds: { type: 'string' },
      repeats: { type: 'string', default: '1' },
      'depth-stride-free': { type: 'boolean', default: false },
      'batch-norm': { type: 'string', default: 'calibrated' },
      ...caseAndBudgetOptions({ epochs: '5', steps: '20' }),
    },
  });
  if (values.help) {
    console.log(COMPARE_HELP);
    return ExitCode.ok;
  }
  let budget: {
    epochs: number;
    stepsPerEpoch: number;
    batchSize: number;
    seed: number;
    patchSize?: [number, number, number];
  };
  let refs: { seriesId: string; segmentationId: string }[];
  let folds: number | undefined;
  let repeats: number;
  let normalisation: 'batch' | 'calibrated';
  try {
    if (!values.base || !values.out) throw new UsageError('--base and --out are required');
    if (values.image.length !== values.labels.length)
      throw new UsageError('give one --labels for every --image');
    if (values.image.length + values['library-case'].length < 2 && !values.library)
      throw new UsageError(
        'give at least two cases: --image/--labels, --library-case or --library',
      );
    refs = libraryRefs(values['library-case']);
    // the folds decide who validates: --validation-share is train's
    const { epochs, stepsPerEpoch, batchSize, seed, patchSize } = budgetOptions(values);
    budget = { epochs, stepsPerEpoch, batchSize, seed, ...(patchSize ? { patchSize } : {}) };
    folds = values.folds === undefined ? undefined : intOption('folds', values.folds, 2);
    repeats = intOption('repeats', values.repeats, 1);
    const mode = values['batch-norm'];
    if (mode !== 'batch' && mode !== 'calibrated')
      throw new UsageError(`--batch-norm must be batch or calibrated, not "${mode}"`);
    normalisation = mode;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${COMPARE_HELP}`);
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
    await reportBackend(workstation, progress, true);
    const cases = await openFileCases(workstation, values.image, values.labels);
    const library = values.library ? await allLibraryCases(workstation) : refs;
    let reportDir = '';
    const outcome = await follow(
      workstation,
      async () => {
        const started = await workstation.handlers.startCompare({
          baseModelId: values.base ?? '',
          cases,
          libraryCases: library,
          ...budget,
          ...(folds === undefined ? {} : { folds }),
          repeats,
          depthStrides: !values['depth-stride-free'],
          normalisation,
        });
        reportDir = started.reportDir;
        const name = new Map(started.cases.map((c) => [c.key, c.name]));
        const named = (keys: string[]) => keys.map((k) => `${name.get(k)} [${k}]`).join(', ');
        for (const f of started.folds) {
          progress.message(
            `repeat ${f.repeat + 1} fold ${f.fold + 1} (seed ${f.seed}): held out ${named(f.test)}; validation ${named(f.validation)}${f.validatesOnTraining ? ' (the training case)' : ''}; training ${named(f.train)}`,
            { fold: f },
          );
        }
        return started;
      },
      progress,
      'compare.done',
    );
    if (outcome.event?.type === 'job.failed')
      progress.message(`error: ${outcome.event.error.message}`);
    if (outcome.event?.type === 'job.cancelled') progress.message('cancelled');
    if (outcome.event?.type !== 'compare.done') return outcome.code;
    const out = resolve(values.out ?? '.');
    await cp(reportDir, out, { recursive: true });
    const report = await readCompareReport(reportDir);
    printCompareTable(report, (line) => console.log(line));
    progress.message(`wrote ${join(out, 'report.json')}, report.html and the held-out labelmaps`, {
      report: join(out, 'report.json'),
      rows: report.rows.map((r) => ({
        name: r.name,
        meanIou: r.meanIou,
        sdIou: r.sdIou,
        meanDice: r.meanDice,
        pVs2d: r.pVs2d?.meanIou ?? null,
      })),
    });
    return ExitCode.ok;
  } catch (error) {
    progress.finish();
    progress.message(`error: ${errorMessage(error)}`);
    return exitCodeOf(error);
  } finally {
    await workstation.close();
  }
}
