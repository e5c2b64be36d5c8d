// `npm run bench -- train [--size 128] [--patch 64] [--batch 2] [--steps 8] [--threads 1]`
// One fine-tuning epoch of the full-width ACS ResNet-18 segmenter (random torchvision weights
// saved by Debian's PyTorch, converted to ACS) through the Engine's training job (worker: patch
// sampling with foreground share and flips, Adam on Dice + cross-entropy, frozen batch norm, the
// checkpoints written), against the same epoch in PyTorch on CPU (bench/support/trainTorch.py: same
// weights, case, patch, batch, steps and thread count) in the same run. No validation pass: the
// epoch's training steps and its checkpoint are what is timed on both sides.
import '@tensorflow/tfjs-backend-wasm';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { VolumeGeometry } from '../src/api/geometry';
import { Engine } from '../src/engine/Engine';
import { loadModelEntries } from '../src/engine/models/loadModelEntries';
import { acsModelFolder, python, torchMissing } from './support/inferSetup';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '128' },
    patch: { type: 'string', default: '64' },
    batch: { type: 'string', default: '2' },
    steps: { type: 'string', default: '8' },
    threads: { type: 'string', default: '1' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(`Usage: npm run bench -- train [--size 128] [--patch 64] [--batch 2] [--steps 8] [--threads 1]
  --size     the synthetic case's edge in voxels (a cube)
  --threads  PyTorch's threads (tfjs-wasm trains on one)`);
  process.exit(0);
}
const [size, patch, batch, steps, threads] = [
  values.size,
  values.patch,
  values.batch,
  values.steps,
  values.threads,
].map(Number);
const missing = torchMissing();
if (missing) {
  console.error(`PyTorch unavailable: ${missing}`);
  process.exit(2);
}

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
const geometry: VolumeGeometry = {
  dimensions: [size, size, size],
  spacing: [1, 1, 1],
  origin: [0, 0, 0],
  direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
};

const engine = await Engine.start({ backends: process.env.WORKSTATION_TF_BACKENDS });
console.log(
  `engine backend: ${engine.backend.backend}; case ${size}^3, patch ${patch}^3, batch ${batch}, ${steps} steps`,
);
const root = await acsModelFolder(patch);
const [base] = await loadModelEntries(root);
const work = mkdtempSync(join(tmpdir(), 'bench-train-'));
let peak = process.memoryUsage().rss;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
const started = performance.now();
const losses: number[] = [];
const job = engine.train(
  'bench-train',
  {
    base,
    target: { name: 'bench', kind: 'acs', method: 'none' },
    train: [{ id: 'phantom', volume: { geometry, voxels }, labels }],
    validation: [],
    options: { epochs: 1, stepsPerEpoch: steps, batchSize: batch, seed: 1 },
    workDir: join(work, 'checkpoints'),
    modelDir: join(work, 'model'),
    resume: false,
  },
  { onProgress: (p) => p.loss !== null && losses.push(p.loss) },
);
await job.result;
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
await engine.close();
const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
console.log(
  `engine : ${seconds.toFixed(1)} s (${(seconds / steps).toFixed(2)} s/step), peak RSS ${mb(peak)}, losses ${losses.map((l) => l.toFixed(3)).join(' ')}`,
);

writeFileSync(join(work, 'volume.bin'), voxels);
writeFileSync(join(work, 'labels.bin'), labels);
const torch = python<{
  seconds: number;
  perStep: number;
  peakRss: number;
  losses: number[];
  threads: number;
  torch: string;
}>('trainTorch.py', [
  work,
  '--volume',
  join(work, 'volume.bin'),
  '--labels',
  join(work, 'labels.bin'),
  '--dims',
  `${size},${size},${size}`,
  '--patch',
  String(patch),
  '--batch',
  String(batch),
  '--steps',
  String(steps),
  '--threads',
  String(threads),
]);
console.log(
  `PyTorch: ${torch.seconds.toFixed(1)} s (${torch.perStep.toFixed(2)} s/step), peak RSS ${mb(torch.peakRss)}, torch ${torch.torch}, ${torch.threads} thread(s), losses ${torch.losses.map((l) => l.toFixed(3)).join(' ')}`,
);
console.log(`\n| epoch (${steps} steps, batch ${batch}, ${patch}^3) | engine | PyTorch | ratio |`);
console.log('|---|---|---|---|');
console.log(
  `| ACS ResNet-18 | ${seconds.toFixed(1)} s, ${mb(peak)} | ${torch.seconds.toFixed(1)} s, ${mb(torch.peakRss)} | ${(seconds / torch.seconds).toFixed(2)}x |`,
);
rmSync(work, { recursive: true, force: true });
rmSync(root, { recursive: true, force: true });
