// `npm run bench -- nn [--size 64] [--reps 3] [--rounds 7] [--kinds acs,3d,2d] [--no-train] [--onnx-only] [--profile]`
// First ONNX Runtime (the graph our exporter writes) against PyTorch 1.13, forward at batch 1 and
// 2, one thread each, warmed up, runs alternated, CPU time the headline (bench/support/ortVsTorch.ts;
// --profile adds ORT's per-operator profile). Then, unless --onnx-only: forward of the ACS,
// inflated-3D and slice-wise 2D ResNet-18 segmenters on tfjs-wasm at batch 1 and 2, and one Adam
// training step at batch 2, against the same architecture and weights in PyTorch on CPU with the
// same number of threads (one: tfjs-wasm runs one thread in Node). Prints the best of --reps wall
// and CPU times, our/PyTorch ratios, GFLOP/s (convolutions only; a training step counted as three
// forwards) and a per-kernel profile of our ACS forward and training step. Then tfjs inference on
// both cores (two workers, a patch each) against PyTorch with two threads.
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ConvKind } from '../src/nn/architecture';
import { forwardFlops } from '../src/nn/flops';
import { importTorchvision } from '../src/nn/importTorchvision';
import { createParallelPredictor } from '../src/nn/parallel/parallelPredictor';
import { disposeSegmenter, predict, type Segmenter } from '../src/nn/segmenter';
import { tf } from '../src/nn/tf';
import { createOptimizer, trainStep } from '../src/nn/training';
import { readPth } from '../src/nn/weights/readPth';
import { readSafetensors } from '../src/nn/weights/readSafetensors';
import { runTorchReference, torchMissing } from '../test/nn/torchReference';
import { ortVsTorch } from './support/ortVsTorch';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '64' },
    reps: { type: 'string', default: '3' },
    kinds: { type: 'string', default: 'acs,3d,2d' },
    'no-train': { type: 'boolean', default: false },
    rounds: { type: 'string', default: '7' },
    'onnx-only': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
  },
});
const size = Number(values.size);
const reps = Number(values.reps);
const kinds = values.kinds.split(',') as ConvKind[];
const train = !values['no-train'];
const classes = 3;

const missing = torchMissing();
if (missing) {
  console.error(`PyTorch reference unavailable: ${missing}`);
  process.exit(2);
}
await ortVsTorch({
  size,
  classes,
  kinds,
  batches: [1, 2],
  rounds: Number(values.rounds),
  profile: values.profile,
});
if (values['onnx-only']) process.exit(0);
console.log('');

await tf.setBackend('wasm');
await tf.ready();

console.log(
  `patch ${size}^3, ${classes} classes, ResNet-18 segmenters, tfjs ${tf.version.tfjs} on ${tf.getBackend()} (1 thread)`,
);
console.log('running the PyTorch reference (same weights, same thread count) ...');
const dir = runTorchReference([
  '--bench',
  '--size',
  String(size),
  '--classes',
  String(classes),
  '--threads',
  '1',
  '--kinds',
  kinds.join(','),
  '--reps',
  String(reps),
  ...(train ? [] : ['--no-train']),
]);
const torch = JSON.parse(readFileSync(join(dir, 'bench.json'), 'utf8')) as {
  threads: number;
  torch: string;
  ms: Record<string, number>;
};
const weights = new Map([
  ...readPth(new Uint8Array(readFileSync(join(dir, 'resnet18.pth')))),
  ...readSafetensors(new Uint8Array(readFileSync(join(dir, 'decoder.safetensors')))),
]);
rmSync(dir, { recursive: true, force: true });
console.log(`PyTorch ${torch.torch}, ${torch.threads} thread(s)\n`);

interface Timing {
  wall: number;
  cpu: number;
}

/** Best wall and best CPU time of --reps runs after a warm-up (XNNPack set-up, heap growth). */
async function timeIt(f: () => Promise<void>): Promise<Timing> {
  await f();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    const c = process.cpuUsage();
    await f();
    const used = process.cpuUsage(c);
    wall.push(performance.now() - t);
    cpu.push((used.user + used.system) / 1000);
  }
  return { wall: Math.min(...wall), cpu: Math.min(...cpu) };
}

interface Row {
  what: string;
  ours: Timing;
  theirs: Timing;
  flops: number;
}
const rows: Row[] = [];

function print(r: Row): void {
  const gf = (ms: number) => (r.flops / ms / 1e6).toFixed(1).padStart(6);
  const ms = (t: number) => t.toFixed(0).padStart(6);
  const cpuRatio = Number.isFinite(r.theirs.cpu)
    ? `${(r.ours.cpu / r.theirs.cpu).toFixed(2)}x`
    : '  -  ';
  console.log(
    `${r.what.padEnd(24)} wall ours ${ms(r.ours.wall)} torch ${ms(r.theirs.wall)} ratio ${(r.ours.wall / r.theirs.wall).toFixed(2).padStart(5)}x | ` +
      `cpu ours ${ms(r.ours.cpu)} torch ${ms(r.theirs.cpu)} ratio ${cpuRatio.padStart(6)} | GFLOP/s (wall) ours ${gf(r.ours.wall)} torch ${gf(r.theirs.wall)}`,
  );
}

function theirs(ms: Record<string, number>, key: string): Timing {
  return { wall: ms[key], cpu: ms[`${key}/cpu`] ?? NaN };
}

async function profile(what: string, f: () => void): Promise<void> {
  const info = await tf.profile(f);
  const by = new Map<string, [number, number]>();
  let total = 0;
  for (const k of info.kernels) {
    const ms = Number(k.kernelTimeMs);
    const e = by.get(k.name) ?? [0, 0];
    by.set(k.name, [e[0] + ms, e[1] + 1]);
    total += ms;
  }
  console.log(`\nper-kernel profile, ${what} (kernel time ${total.toFixed(0)} ms):`);
  for (const [name, [ms, count]] of [...by].sort((a, b) => b[1][0] - a[1][0]).slice(0, 10)) {
    console.log(
      `  ${name.padEnd(22)} ${ms.toFixed(0).padStart(6)} ms ${((100 * ms) / total).toFixed(0).padStart(3)}%  ${count} calls`,
    );
  }
}

const models = new Map<ConvKind, Segmenter>();
for (const kind of kinds) {
  const model = importTorchvision({ kind, numClasses: classes }, weights, { method: 'average' });
  models.set(kind, model);
  for (const batch of [1, 2]) {
    const x = tf.randomNormal([batch, size, size, size, 3]) as tf.Tensor5D;
    const ours = await timeIt(async () => {
      const p = predict(model, x);
      await p.data();
      p.dispose();
    });
    x.dispose();
    const r = {
      what: `${kind} forward b${batch}`,
      ours,
      theirs: theirs(torch.ms, `${kind}/forward/${batch}`),
      flops: forwardFlops(model.config, [size, size, size], batch),
    };
    rows.push(r);
    print(r);
  }
  if (train) {
    const x = tf.randomNormal([2, size, size, size, 3]) as tf.Tensor5D;
    const labels = tf.randomUniform([2, size, size, size], 0, classes, 'int32') as tf.Tensor4D;
    const optimizer = createOptimizer();
    const ours = await timeIt(async () => {
      trainStep(model, optimizer, x, labels);
    });
    optimizer.dispose();
    tf.dispose([x, labels]);
    const r = {
      what: `${kind} train step b2`,
      ours,
      theirs: theirs(torch.ms, `${kind}/train/2`),
      flops: 3 * forwardFlops(model.config, [size, size, size], 2),
    };
    rows.push(r);
    print(r);
  }
}

// Both cores: two workers, one patch each, against PyTorch with two threads.
console.log('\nrunning the PyTorch reference with 2 threads ...');
const dir2 = runTorchReference([
  '--bench',
  '--size',
  String(size),
  '--classes',
  String(classes),
  '--threads',
  '2',
  '--kinds',
  kinds.join(','),
  '--reps',
  String(reps),
  '--batches',
  '1,2',
  '--no-train',
]);
const torch2 = JSON.parse(readFileSync(join(dir2, 'bench.json'), 'utf8')) as {
  threads: number;
  ms: Record<string, number>;
};
rmSync(dir2, { recursive: true, force: true });
for (const [kind, model] of models) {
  const parallel = await createParallelPredictor(model, 2);
  const voxels = size ** 3;
  const input = Float32Array.from({ length: 2 * voxels }, () => Math.random());
  const ours = await timeIt(async () => {
    await parallel.predict(input.slice(), 2, [size, size, size]);
  });
  await parallel.close();
  const r = {
    what: `${kind} forward b2, 2 cores`,
    ours,
    theirs: { wall: torch2.ms[`${kind}/forward/2`], cpu: NaN },
    flops: forwardFlops(model.config, [size, size, size], 2),
  };
  rows.push(r);
  print(r);
}

const acs = models.get('acs');
if (acs) {
  const x = tf.randomNormal([1, size, size, size, 3]) as tf.Tensor5D;
  await profile('ACS forward b1', () => {
    predict(acs, x).dispose();
  });
  if (train) {
    const labels = tf.randomUniform([1, size, size, size], 0, classes, 'int32') as tf.Tensor4D;
    const optimizer = createOptimizer();
    await profile('ACS training step b1', () => {
      trainStep(acs, optimizer, x, labels);
    });
    optimizer.dispose();
    labels.dispose();
  }
  x.dispose();
}
for (const m of models.values()) disposeSegmenter(m);
