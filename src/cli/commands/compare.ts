import { copyFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { dataFolder } from '../../library/dataFolder';
import { ExitCode } from '../exitCodes';
import { budgetOptions, caseAndBudgetOptions, libraryRefs, UsageError } from '../options';
import { progressReporter } from '../progress';
import { TrainingSession, exitCodeOf, messageOf } from '../trainingSession';

export const COMPARE_HELP = `Usage: cli compare --base <2d-model-id> [cases] --out <dir> [options]

The transfer-learning paper's table on your own cases: from the same 2D weights, trains the 2D
network, the 3D network with random, centre (zero-weight), averaging and scaling init, and the
ACS network, on the same cases, patches and budget, and reports each one's best validation mean
IoU (and Dice) with its curve. Writes report.json and report.html to --out (and keeps a copy in
the data folder's compare/).

Cases (at least two; split by --seed, at least one validates):
  --image <path> --labels <labels.nii.gz>   an image (DICOM folder or NIfTI) and its labelmap
  --library-case <series-id>/<segmentation-id>   a library series and its saved segmentation
  --library                                 every library series with a segmentation

Options:
  --base <model-id>       a 2D model: every configuration starts from its weights
  --out <dir>             where report.json and report.html go                     (required)
  --epochs <n>            epochs per configuration (default 5)
  --steps <n>             steps per epoch (default 20)
  --batch <n>             patches per step (default 2)
  --patch <d,h,w>         the 3D patch (default: 32 deep, the model's height and width)
  --validation-share <f>  share of the cases that validate (default 0.2)
  --seed <n>              seed (default 1)
  --models <dir>          the bundled model folder (default: the app's)
  --data <dir>            the data folder (default: $WORKSTATION_DATA or the app's)
  -h, --help              this text

Exit codes: 0 done, 1 failed, 2 bad command line, 3 bad input, 130 cancelled (Ctrl-C).`;

/** `cli compare`: the six-configuration comparison and its report. */
export async function runCompare(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      base: { type: 'string' },
      out: { type: 'string' },
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
    validationShare: number;
    patchSize?: [number, number, number];
  };
  let refs: { seriesId: string; segmentationId: string }[];
  try {
    if (!values.base || !values.out) throw new UsageError('--base and --out are required');
    if (values.image.length !== values.labels.length)
      throw new UsageError('give one --labels for every --image');
    if (values.image.length + values['library-case'].length < 2 && !values.library)
      throw new UsageError(
        'give at least two cases: --image/--labels, --library-case or --library',
      );
    refs = libraryRefs(values['library-case']);
    budget = budgetOptions(values);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${COMPARE_HELP}`);
    return ExitCode.usage;
  }
  const progress = progressReporter();
  let session: TrainingSession;
  try {
    session = await TrainingSession.open({
      modelsDir: values.models,
      dataDir: values.data ?? dataFolder(),
      backends: process.env.WORKSTATION_TF_BACKENDS,
    });
  } catch (error) {
    progress.message(`error: ${messageOf(error)}`);
    return exitCodeOf(error);
  }
  try {
    progress.message(`engine backend: ${session.engine.backend.backend}`, {
      backend: session.engine.backend.backend,
    });
    const cases: { volumeId: string; labelmapId: string }[] = [];
    for (const [n, image] of values.image.entries()) {
      cases.push(await session.addCase(image, values.labels[n]));
    }
    const library = values.library
      ? (await session.handlers.listTrainingCases({})).map((c) => ({
          seriesId: c.seriesId,
          segmentationId: c.segmentations[0].segmentationId,
        }))
      : refs;
    let reportDir = '';
    const outcome = await session.follow(
      async () => {
        const started = await session.handlers.startCompare({
          baseModelId: values.base ?? '',
          cases,
          libraryCases: library,
          ...budget,
        });
        reportDir = started.reportDir;
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
    await mkdir(out, { recursive: true });
    for (const file of ['report.json', 'report.html'])
      await copyFile(join(reportDir, file), join(out, file));
    const rows = outcome.event.rows;
    const width = Math.max(...rows.map((r) => r.name.length));
    console.log(`${'configuration'.padEnd(width)}  mean IoU  mean Dice  seconds`);
    for (const r of rows) {
      console.log(
        `${r.name.padEnd(width)}  ${r.meanIou.toFixed(4).padStart(8)}  ${r.meanDice.toFixed(4).padStart(9)}  ${r.seconds.toFixed(1).padStart(7)}`,
      );
    }
    progress.message(`wrote ${join(out, 'report.json')} and report.html`, {
      report: join(out, 'report.json'),
      rows: rows.map((r) => ({ name: r.name, meanIou: r.meanIou, meanDice: r.meanDice })),
    });
    return ExitCode.ok;
  } catch (error) {
    progress.finish();
    progress.message(`error: ${messageOf(error)}`);
    return exitCodeOf(error);
  } finally {
    await session.close();
  }
}
