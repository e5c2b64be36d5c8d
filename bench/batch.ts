// `npm run bench -- batch [--series 6]`
// `cli batch` over small brain MR series (mricron-data) with the test model: once as a single
// process, then as Slurm job arrays of 1, 2 and 3 tasks on a real single-node cluster started
// here (slurmctld, slurmd, munge; in a loopback-only namespace, as the tests run it; needs root).
// Prints, for each: wall time (submit to last task's end), mean time per series (the ledger's),
// and the overhead per task (its run time, from Slurm, less the time its series took) beside the
// single process's own overhead (start-up, listing, engine start).
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Ledger } from '../src/workstation/batch/ledger';
import { brainSeries, MODEL, MODELS } from '../test/batch/batchFixtures';
import { slurmUnavailable, startSlurm } from '../test/batch/slurmCluster';

const INSIDE = 'ACSWS_BENCH_NETNS';
const { values } = parseArgs({
  options: {
    series: { type: 'string', default: '6' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log('Usage: npm run bench -- batch [--series N]   (root; Debian slurm-wlm and munge)');
  process.exit(0);
}
const unavailable = slurmUnavailable();
if (unavailable) {
  console.error(`bench batch cannot run here: ${unavailable}`);
  process.exit(1);
}
if (process.env[INSIDE] !== '1') {
  // Slurm's daemons listen on every interface: run them where only loopback exists.
  const run = spawnSync(
    'unshare',
    [
      '--net',
      '--pid',
      '--fork',
      '--kill-child',
      '--mount-proc',
      'sh',
      '-c',
      'ip link set lo up && ip addr add 127.0.0.2/8 dev lo && exec "$0" "$@"',
      process.execPath,
      '--import',
      'tsx',
      process.argv[1],
      ...process.argv.slice(2),
    ],
    { stdio: 'inherit', env: { ...process.env, [INSIDE]: '1' } },
  );
  process.exit(run.status ?? 1);
}

const env = { ...process.env, WORKSTATION_TF_BACKENDS: 'wasm,cpu' };
const work = mkdtempSync(join(tmpdir(), 'bench-batch-'));
const count = Number(values.series);
brainSeries(join(work, 'in'), count);
const common = ['--folder', join(work, 'in'), '--models', MODELS, '--model', MODEL, '--seg'];

function cli(args: string[]) {
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'batch', ...common, ...args],
    { encoding: 'utf8', env },
  );
  if (run.status !== 0) throw new Error(`cli batch failed:\n${run.stderr}`);
}

async function seriesSeconds(
  out: string,
): Promise<{ total: number; byWorker: Map<string, number> }> {
  const records = await new Ledger(out).all();
  if (records.length !== count || records.some((r) => r.status !== 'done'))
    throw new Error(`${out}: not every series is done`);
  const byWorker = new Map<string, number>();
  for (const r of records) byWorker.set(r.worker, (byWorker.get(r.worker) ?? 0) + r.seconds);
  return { total: records.reduce((s, r) => s + r.seconds, 0), byWorker };
}

const rows: string[][] = [];
const single = join(work, 'single');
const t0 = Date.now();
cli(['--out', single]);
const wall = (Date.now() - t0) / 1000;
const s = await seriesSeconds(single);
rows.push([
  'single process',
  wall.toFixed(1),
  (s.total / count).toFixed(2),
  (wall - s.total).toFixed(1),
]);

const slurm = startSlurm();
try {
  for (const tasks of [1, 2, 3]) {
    const out = join(work, `array-${tasks}`);
    const script = join(work, `array-${tasks}.sbatch`);
    cli(['--out', out, '--slurm-script', script, '--tasks', String(tasks)]);
    const submitted = Date.now();
    const job = slurm.run('sbatch', ['--parsable', script]).trim();
    while (slurm.run('squeue', ['-h', '-j', job]).trim())
      await new Promise((r) => setTimeout(r, 200));
    const arrayWall = (Date.now() - submitted) / 1000;
    // each task's run time as Slurm saw it (whole seconds)
    const shown = slurm.run('scontrol', ['show', 'job', job, '-o']);
    const runSeconds = [...shown.matchAll(/RunTime=(\d+):(\d+):(\d+)/g)].map(
      ([, h, m, sec]) => Number(h) * 3600 + Number(m) * 60 + Number(sec),
    );
    const a = await seriesSeconds(out);
    const overhead =
      (runSeconds.reduce((x, y) => x + y, 0) - a.total) / Math.max(runSeconds.length, 1);
    rows.push([
      `Slurm array, ${tasks} task${tasks > 1 ? 's' : ''}`,
      arrayWall.toFixed(1),
      (a.total / count).toFixed(2),
      overhead.toFixed(1),
    ]);
  }
} finally {
  slurm.stop();
}

console.log(
  `\n${count} series of 23 x 28 x 23 voxels, model ${MODEL}, this machine's cores shared\n`,
);
const header = ['run', 'wall s', 'per series s', 'overhead per task s'];
for (const row of [header, ...rows])
  console.log(row.map((c, n) => (n ? c.padStart(20) : c.padEnd(22))).join(''));
