import { parseArgs } from 'node:util';
import type { ApiEvent } from '../../api/events';
import { DEFAULT_PATHS, appVersion } from '../../workstation/paths';
import { createWorkstation } from '../../workstation/createWorkstation';
import { ExitCode } from '../exitCodes';
import { progressReporter } from '../progress';

export const SEGMENT_HELP = `Usage: cli segment <dicom-folder> --out <labels.nii.gz> [options]

Reads the DICOM series in the folder, runs a segmentation model over it with the engine
(sliding window, in a worker) and writes the labelmap as NIfTI with the series' affine.

Options:
  --out <path>      where to write the labelmap (.nii or .nii.gz)            (required)
  --model <id>      model id from the model folder (default: the first one)
  --models <dir>    model folder (default: the bundled models)
  --overwrite       replace an existing output file
  -h, --help        this text`;

/** `cli segment`: the skeleton's whole path, headless. */
export async function runSegment(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      model: { type: 'string' },
      models: { type: 'string', default: DEFAULT_PATHS.models },
      overwrite: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(SEGMENT_HELP);
    return ExitCode.ok;
  }
  if (positionals.length !== 1 || !values.out) {
    console.error(SEGMENT_HELP);
    return ExitCode.usage;
  }
  const progress = progressReporter();
  const workstation = await createWorkstation({
    seriesFolders: [positionals[0]],
    modelsDir: values.models,
    version: appVersion(),
    backends: process.env.WORKSTATION_TF_BACKENDS,
  });
  try {
    const status = await workstation.handlers.getBackendStatus({});
    progress.message(`engine backend: ${status.backend}`, {
      backend: status.backend,
      attempts: status.attempts,
    });
    const [series] = await workstation.handlers.listSeries({});
    const volume = await workstation.handlers.openSeries({ seriesId: series.seriesId });
    const models = await workstation.handlers.listModels({});
    const modelId = values.model ?? models[0]?.modelId;
    if (!modelId) throw new Error(`no model in ${values.models}`);
    const finished = new Promise<ApiEvent>((resolve) => {
      workstation.onEvent((event) => {
        if (event.type === 'job.progress')
          progress.update(event.phase, event.done, event.total, event.etaSeconds);
        else resolve(event);
      });
    });
    const { jobId } = await workstation.handlers.runModel({ volumeId: volume.volumeId, modelId });
    process.once('SIGINT', () => void workstation.handlers.cancelJob({ jobId }));
    const outcome = await finished;
    progress.finish();
    if (outcome.type === 'job.cancelled') {
      progress.message('cancelled');
      return ExitCode.cancelled;
    }
    if (outcome.type !== 'job.done') {
      progress.message(outcome.type === 'job.failed' ? outcome.error.message : 'unexpected event');
      return ExitCode.failed;
    }
    const written = await workstation.handlers.exportLabelmap({
      labelmapId: outcome.labelmap.labelmapId,
      path: values.out,
      overwrite: values.overwrite,
    });
    progress.message(`wrote ${written.path} (${written.bytes} bytes)`, {
      path: written.path,
      counts: outcome.labelmap.counts,
      classes: outcome.labelmap.classes,
    });
    return ExitCode.ok;
  } finally {
    await workstation.close();
  }
}
