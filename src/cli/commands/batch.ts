import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { batchModel } from '../../workstation/batch/batchEngine';
import type { BatchEvent, BatchSummary } from '../../workstation/batch/runBatch';
import { segmentBatch } from '../../workstation/batch/segmentBatch';
import type { BatchSource } from '../../workstation/batch/segmentBatch';
import { ShardError, shardOf } from '../../workstation/batch/shard';
import type { Shard } from '../../workstation/batch/shard';
import { slurmScript } from '../../workstation/batch/slurmScript';
import type { PacsAuth } from '../../workstation/batch/sources';
import { DEFAULT_PATHS, appVersion } from '../../workstation/paths';
import { ExitCode } from '../exitCodes';
import { intOption, UsageError } from '../options';
import { progressReporter } from '../progress';

export const BATCH_HELP = `Usage: cli batch --out <dir> <source> [options]

Segments many series with one model. Resumable and idempotent: <dir>/ledger holds one record per
series (done, or failed with the reason); a rerun skips what is done and retries what failed.
Workers (Slurm tasks, any node sharing <dir>) claim a series before touching it; a killed
worker's claim is taken over once stale. A series that fails never stops the batch.

Source (one of):
  --url <dicomweb-root> [query]  the series a QIDO-RS query finds (SEG, SR, ... left out):
      --patient <name>           patient name, * and ? as wildcards
      --patient-id <id>
      --date <YYYYMMDD[-YYYYMMDD]>
      --modality <MR|CT|...>
      --study-description <text>
  --folder <root>                every folder under root that holds files: one series each
  --manifest <file>              one series a line: a folder, a DICOMweb series URL
                                 (<root>/studies/<uid>/series/<uid>) or a Series UID (on --url)

Outputs (default --seg):
  --seg                          DICOM SEG files in <dir>/seg/<key>.dcm
  --nifti                        NIfTI labelmaps in <dir>/nifti/<key>.nii.gz (+ label tables)
  --store                        the SEG stored by STOW-RS: on the series' own server, or --url
                                 for folders; a SEG the server holds already is not sent again

Options:
  --out <dir>                    the batch folder: ledger, claims, outputs         (required)
  --model <id>                   model id in the model folder (default: the first)
  --models <dir>                 model folder (default: the bundled models)
  --user <name>                  DICOMweb basic authentication, with --password-file
  --password-file <file>         the password (first line); never on the command line
  --token-file <file>            a bearer token instead
  --timeout <s>                  per DICOMweb request (default 60)
  --shard <I/N>                  do shard I of N (0-based); default: SLURM_ARRAY_TASK_ID of
                                 SLURM_ARRAY_TASK_COUNT when set, else everything
  --claim-timeout <s>            a claim untouched this long is taken over (default 600)

Slurm:
  --slurm-script <file>          write an sbatch array script running this batch, do not run
  --tasks <N>                    array tasks (default 4)
  --partition <name>  --gpus <per task, default 0>  --cpus <per task>
  --time <HH:MM:SS>  --mem <e.g. 16G>  --job-name <name>

Exit codes: 0 every series of the shard is done, 1 some failed (the summary and ledger say
which and why), 2 bad command line, 130 cancelled (Ctrl-C, scancel).`;

const SCRIPT_ONLY = new Set([
  'slurm-script',
  'tasks',
  'partition',
  'gpus',
  'cpus',
  'time',
  'mem',
  'job-name',
  'shard',
]);

const OPTIONS = {
  out: { type: 'string' },
  url: { type: 'string' },
  patient: { type: 'string' },
  'patient-id': { type: 'string' },
  date: { type: 'string' },
  modality: { type: 'string' },
  'study-description': { type: 'string' },
  folder: { type: 'string' },
  manifest: { type: 'string' },
  seg: { type: 'boolean', default: false },
  nifti: { type: 'boolean', default: false },
  store: { type: 'boolean', default: false },
  model: { type: 'string' },
  models: { type: 'string', default: DEFAULT_PATHS.models },
  user: { type: 'string' },
  'password-file': { type: 'string' },
  'token-file': { type: 'string' },
  timeout: { type: 'string', default: '60' },
  shard: { type: 'string' },
  'claim-timeout': { type: 'string', default: '600' },
  'slurm-script': { type: 'string' },
  tasks: { type: 'string', default: '4' },
  partition: { type: 'string' },
  gpus: { type: 'string', default: '0' },
  cpus: { type: 'string' },
  time: { type: 'string' },
  mem: { type: 'string' },
  'job-name': { type: 'string', default: 'acsws-batch' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

async function firstLine(file: string, what: string): Promise<string> {
  try {
    const line = (await readFile(file, 'utf8')).split(/\r?\n/)[0].trim();
    if (!line) throw new Error('it is empty');
    return line;
  } catch (error) {
    throw new UsageError(`--${what} ${file} cannot be read: ${(error as Error).message}`);
  }
}

async function authOf(values: {
  user?: string;
  'password-file'?: string;
  'token-file'?: string;
}): Promise<PacsAuth> {
  if (values['token-file'])
    return { kind: 'bearer', token: await firstLine(values['token-file'], 'token-file') };
  if (values.user) {
    if (!values['password-file']) throw new UsageError('--user needs --password-file');
    return {
      kind: 'basic',
      username: values.user,
      password: await firstLine(values['password-file'], 'password-file'),
    };
  }
  return { kind: 'none' };
}

/** The worker's name in claims and the ledger: host, process, and its Slurm array task. */
function workerName(env: NodeJS.ProcessEnv): string {
  const task = env.SLURM_ARRAY_JOB_ID
    ? ` slurm ${env.SLURM_ARRAY_JOB_ID}_${env.SLURM_ARRAY_TASK_ID ?? ''}`
    : env.SLURM_JOB_ID
      ? ` slurm ${env.SLURM_JOB_ID}`
      : '';
  return `${hostname()}:${process.pid}${task}`;
}

/** The command line an array task runs: this one, less the script and shard options. */
function taskCommand(argv: string[]): string[] {
  const { tokens } = parseArgs({ args: argv, options: OPTIONS, tokens: true, strict: true });
  const dropped = new Set<number>();
  for (const t of tokens ?? []) {
    if (t.kind !== 'option' || !SCRIPT_ONLY.has(t.name)) continue;
    dropped.add(t.index);
    if (t.value !== undefined && !t.inlineValue) dropped.add(t.index + 1);
  }
  return [
    process.execPath,
    ...process.execArgv,
    resolve(process.argv[1]),
    'batch',
    ...argv.filter((_, n) => !dropped.has(n)),
  ];
}

function reporter() {
  const progress = progressReporter();
  return {
    progress,
    report(event: BatchEvent) {
      if (event.type === 'start') {
        progress.message(
          `batch: ${event.inShard} of ${event.total} series in this worker (${event.shard.from})`,
          { batch: 'start', total: event.total, inShard: event.inShard },
        );
      } else if (event.type === 'series-progress') {
        progress.update(event.phase, event.done, event.total, null);
      } else {
        const why = event.reason ? `: ${event.reason}` : '';
        const time = event.seconds === undefined ? '' : ` (${event.seconds.toFixed(1)} s)`;
        progress.message(
          `[${event.index}/${event.of}] ${event.status} ${event.source}${time}${why}`,
          {
            series: event.key,
            source: event.source,
            status: event.status,
            ...(event.reason ? { reason: event.reason } : {}),
            ...(event.seconds === undefined ? {} : { seconds: event.seconds }),
          },
        );
      }
    },
  };
}

function exitCodeOf(summary: BatchSummary): number {
  if (summary.cancelled) return ExitCode.cancelled;
  return summary.failed > 0 ? ExitCode.failed : ExitCode.ok;
}

/** `cli batch`: many series, one model, a ledger; or the sbatch script that runs it. */
export async function runBatchCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: OPTIONS });
  if (values.help) {
    console.log(BATCH_HELP);
    return ExitCode.ok;
  }
  let auth: PacsAuth;
  let shard: Shard;
  let claimStaleMs: number;
  let timeoutMs: number;
  try {
    if (!values.out) throw new UsageError('--out <dir> is required');
    const sources = [values.folder, values.manifest].filter(Boolean).length;
    if (sources > 1) throw new UsageError('give one source: --folder or --manifest (or --url)');
    if (sources === 0 && !values.url)
      throw new UsageError('give a source: --url with a query, --folder or --manifest');
    if (values.store && !values.url && !values.manifest)
      throw new UsageError('--store needs --url: the server to store the SEGs on');
    claimStaleMs = intOption('claim-timeout', values['claim-timeout'], 1) * 1000;
    timeoutMs = intOption('timeout', values.timeout, 1) * 1000;
    auth = await authOf(values);
    shard = shardOf(values.shard, process.env);
  } catch (error) {
    if (!(error instanceof UsageError || error instanceof ShardError)) throw error;
    console.error(`${error.message}\n\n${BATCH_HELP}`);
    return ExitCode.usage;
  }
  const outDir = resolve(values.out);
  const { model, ids } = await batchModel(values.models, values.model);
  if (!model) {
    console.error(
      `no model "${values.model ?? ''}" in ${values.models} (there: ${ids.join(', ') || 'none'})`,
    );
    return ExitCode.usage;
  }

  if (values['slurm-script']) {
    const tasks = intOption('tasks', values.tasks, 1);
    const logDir = join(outDir, 'slurm');
    await mkdir(logDir, { recursive: true });
    const script = slurmScript({
      tasks,
      partition: values.partition,
      gpus: intOption('gpus', values.gpus, 0),
      cpus: values.cpus ? intOption('cpus', values.cpus, 1) : undefined,
      time: values.time,
      mem: values.mem,
      jobName: values['job-name'],
      logDir,
      cwd: process.cwd(),
      command: taskCommand(argv),
    });
    await writeFile(values['slurm-script'], script, { mode: 0o755 });
    console.log(
      `wrote ${values['slurm-script']}: ${tasks} array tasks; submit with sbatch ${values['slurm-script']}`,
    );
    return ExitCode.ok;
  }

  const source: BatchSource = values.folder
    ? { kind: 'folder', root: values.folder }
    : values.manifest
      ? { kind: 'manifest', file: values.manifest }
      : {
          kind: 'query',
          query: {
            PatientName: values.patient,
            PatientID: values['patient-id'],
            StudyDate: values.date,
            StudyDescription: values['study-description'],
            Modality: values.modality,
          },
        };
  const { progress, report } = reporter();
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    progress.message(`${signal}: stopping after releasing the series in hand`);
    stop.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const summary = await segmentBatch({
      source,
      url: values.url,
      auth,
      timeoutMs,
      shard,
      outDir,
      model,
      outputs: {
        seg: values.seg || (!values.nifti && !values.store),
        nifti: values.nifti,
        store: values.store,
      },
      softwareVersion: appVersion(),
      claimStaleMs,
      worker: workerName(process.env),
      signal: stop.signal,
      report,
      backends: process.env.WORKSTATION_TF_BACKENDS,
      onEngine: (status) =>
        progress.message(`engine backend: ${status.inference?.backend ?? status.backend}`, {
          backend: status.backend,
          inference: status.inference?.backend,
        }),
    });
    progress.finish();
    progress.message(
      `batch: ${summary.done} done, ${summary.skipped} done before, ${summary.failed} failed, ${summary.busy} held by other workers, of ${summary.total}${summary.cancelled ? ' (cancelled)' : ''}`,
      { summary },
    );
    return exitCodeOf(summary);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
