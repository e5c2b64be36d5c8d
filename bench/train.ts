// `npm run bench -- train [--size 128] [--patch 64] [--batch 2] [--steps 8] [--rounds 3]
//   [--threads 1] [--backend onnx|tfjs] [--provider cpu] [--no-torch] [--json]`
// One fine-tuning epoch of the full-width ACS ResNet-18 segmenter (random torchvision weights
// saved by Debian's PyTorch, converted to ACS) on the engine's Trainer (ONNX Runtime's
// training-step graph by default) against the same epoch in PyTorch on CPU, in the same run.
//
// Fair by construction: the same weights, case, patch, batch (2: PyTorch's fast path), steps,
// augmentation (flips, a third of the patches on foreground) and thread count (one each by
// default); both sides are long-lived processes that build their model and make one warm-up step
// before the clock starts, then serve epochs in alternation (ours, PyTorch, ours, ...), so that
// a busy moment of the shared machine falls on both. Each epoch's clock covers patch sampling and
// the steps on both sides; model build and checkpoint writes are outside it on both sides. The
// headline is CPU time (user + sys of each process: the machines are shared, CPU time is the
// steadier figure), median over the rounds; wall time beside it. GFLOP/s counts a training step
// as three forwards (forward, input gradient, weight gradient) of the convolutions.
import '@tensorflow/tfjs-backend-wasm';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { configFromCard, ModelCardSchema } from '../src/nn/modelCard';
import { forwardFlops } from '../src/nn/flops';
import { acsModelFolder, PYTHON, torchMissing } from './support/inferSetup';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '128' },
    patch: { type: 'string', default: '64' },
    batch: { type: 'string', default: '2' },
    steps: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '3' },
    threads: { type: 'string', default: '1' },
    backend: { type: 'string', default: 'onnx' },
    provider: { type: 'string', default: 'cpu' },
    'no-torch': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(`Usage: npm run bench -- train [--size 128] [--patch 64] [--batch 2] [--steps 8]
    [--rounds 3] [--threads 1] [--backend onnx|tfjs] [--provider cpu|webgpu|cuda|dml|coreml]
    [--no-torch] [--json]
  --size      the synthetic case's edge in voxels (a cube)
  --rounds    epochs timed on each side, alternated, after one warm-up step each
  --threads   threads on each side (ONNX Runtime intra-op, torch.set_num_threads)
  --backend   which of the engine's trainers runs our side
  --provider  ONNX Runtime's execution provider
  --no-torch  our side alone (a machine without PyTorch)
  --profile   ONNX Runtime's kernel time by operator over our side's steps
  --json      one JSON line with the figures instead of the table`);
  process.exit(0);
}
const [size, patch, batch, steps, rounds, threads] = [
  values.size,
  values.patch,
  values.batch,
  values.steps,
  values.rounds,
  values.threads,
].map(Number);
const withTorch = !values['no-torch'];
const missing = withTorch ? torchMissing() : undefined;
if (missing) {
  console.error(`PyTorch unavailable: ${missing} (--no-torch runs our side alone)`);
  process.exit(2);
}
const log = (line: string) => (values.json ? process.stderr : process.stdout).write(`${line}\n`);

// A case: nested ellipsoids (labels 1 and 2) with their intensities and noise.
const voxels = new Int16Array(size ** 3);
const labels = new Uint8Array(size ** 3);
let seed = 99;
for (let z = 0, n = 0; z < size; z++)
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++, n++) {
      const c = size / 2;
      const r =
        ((x - c) / (0.4 * size)) ** 2 +
        ((y - c) / (0.3 * size)) ** 2 +
        ((z - c) / (0.35 * size)) ** 2;
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      labels[n] = r < 0.4 ? 2 : r < 1 ? 1 : 0;
      voxels[n] = [100, 600, 900][labels[n]] + ((seed >> 16) % 200);
    }
const work = mkdtempSync(join(tmpdir(), 'bench-train-'));
writeFileSync(join(work, 'volume.bin'), voxels);
writeFileSync(join(work, 'labels.bin'), labels);
const root = await acsModelFolder(patch);
const modelDir = join(root, 'acs-resnet18');
const card = ModelCardSchema.parse(JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')));
const gflop = (3 * forwardFlops(configFromCard(card), [patch, patch, patch], batch) * steps) / 1e9;

interface Epoch {
  cpuMs: number;
  wallMs: number;
  losses: number[];
}

/** A process that serves epochs: one JSON line when ready, one per "epoch" line sent. */
function server(child: ChildProcess, name: string) {
  const lines = createInterface({ input: child.stdout ?? process.stdin });
  const waiting: ((line: string) => void)[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  lines.on('line', (line) => {
    if (line.startsWith('{')) waiting.shift()?.(line);
  });
  const next = <T>() =>
    new Promise<T>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`${name} exited (${code}):\n${stderr}`)));
      waiting.push((line) => resolve(JSON.parse(line) as T));
    });
  return {
    ready: next<Record<string, unknown>>(),
    epoch() {
      child.stdin?.write('epoch\n');
      return next<Epoch>();
    },
    close() {
      child.stdin?.end();
    },
    /** the line a process prints after its last epoch (our profile) */
    last: next,
  };
}

const here = dirname(fileURLToPath(import.meta.url));
const caseArgs = [
  '--volume',
  join(work, 'volume.bin'),
  '--labels',
  join(work, 'labels.bin'),
  '--dims',
  `${size},${size},${size}`,
  '--batch',
  String(batch),
  '--steps',
  String(steps),
  '--threads',
  String(threads),
];
const ours = server(
  spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(here, 'support', 'trainEngine.ts'),
      '--model',
      modelDir,
      '--backend',
      values.backend,
      '--provider',
      values.provider,
      ...(values.profile ? ['--profile', work] : []),
      ...caseArgs,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  ),
  'our trainer',
);
const torch = withTorch
  ? server(
      spawn(
        PYTHON,
        [join(here, 'support', 'trainTorch.py'), '--patch', String(patch), ...caseArgs],
        {
          stdio: ['pipe', 'pipe', 'pipe'],
          env: { ...process.env, OMP_NUM_THREADS: String(threads) },
        },
      ),
      'PyTorch',
    )
  : undefined;
const [oursReady, torchReady] = await Promise.all([ours.ready, torch?.ready]);
log(
  `case ${size}^3, patch ${patch}^3, batch ${batch}, ${steps} steps an epoch, ${rounds} rounds; ` +
    `ours on ${String(oursReady.backend)}, ${threads} thread(s)` +
    (torchReady
      ? `; PyTorch ${String(torchReady.torch)}, ${String(torchReady.threads)} thread(s)`
      : ''),
);
const oursEpochs: Epoch[] = [];
const torchEpochs: Epoch[] = [];
for (let r = 0; r < rounds; r++) {
  oursEpochs.push(await ours.epoch());
  if (torch) torchEpochs.push(await torch.epoch());
  log(
    `round ${r + 1}: ours ${oursEpochs[r].cpuMs.toFixed(0)} ms CPU` +
      (torch ? `, PyTorch ${torchEpochs[r].cpuMs.toFixed(0)} ms CPU` : ''),
  );
}
const profile = values.profile ? ours.last<{ profileMs: Record<string, number> }>() : undefined;
ours.close();
torch?.close();

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const summary = (epochs: Epoch[]) => {
  const cpuMs = median(epochs.map((e) => e.cpuMs));
  const wallMs = median(epochs.map((e) => e.wallMs));
  return {
    cpuMs: Math.round(cpuMs),
    wallMs: Math.round(wallMs),
    gflopsCpu: +(gflop / (cpuMs / 1000)).toFixed(1),
    gflopsWall: +(gflop / (wallMs / 1000)).toFixed(1),
    firstLoss: epochs[0]?.losses[0],
  };
};
const result = {
  bench: 'train',
  backend: String(oursReady.backend),
  threads,
  batch,
  patch,
  steps,
  rounds,
  gflopPerEpoch: +gflop.toFixed(1),
  ours: summary(oursEpochs),
  ...(torch
    ? {
        torch: { ...summary(torchEpochs), version: String(torchReady?.torch) },
        ratioCpu: +(
          median(oursEpochs.map((e) => e.cpuMs)) / median(torchEpochs.map((e) => e.cpuMs))
        ).toFixed(2),
        ratioWall: +(
          median(oursEpochs.map((e) => e.wallMs)) / median(torchEpochs.map((e) => e.wallMs))
        ).toFixed(2),
      }
    : {}),
};
if (values.json) console.log(JSON.stringify(result));
else {
  log(
    `\n| epoch (${steps} steps, batch ${batch}, ${patch}^3), median of ${rounds} | CPU ms | wall ms | GFLOP/s (CPU) |`,
  );
  log('|---|---|---|---|');
  log(
    `| ours, ${result.backend} | ${result.ours.cpuMs} | ${result.ours.wallMs} | ${result.ours.gflopsCpu} |`,
  );
  if (result.torch) {
    log(
      `| PyTorch ${result.torch.version} | ${result.torch.cpuMs} | ${result.torch.wallMs} | ${result.torch.gflopsCpu} |`,
    );
    log(`| ratio ours / PyTorch | ${result.ratioCpu}x | ${result.ratioWall}x | |`);
  }
}
if (profile) {
  const { profileMs } = await profile;
  const total = Object.values(profileMs).reduce((a, b) => a + b, 0);
  log(
    `\nONNX Runtime kernel time by operator, warm-up and ${rounds} epochs (${total.toFixed(0)} ms):`,
  );
  for (const [op, ms] of Object.entries(profileMs)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12))
    log(`  ${op.padEnd(20)} ${ms.toFixed(0).padStart(8)} ms  ${((100 * ms) / total).toFixed(1)}%`);
}
rmSync(work, { recursive: true, force: true });
rmSync(root, { recursive: true, force: true });
