// Our side of `npm run bench -- train`: the engine's Trainer (ONNX Runtime's training-step graph
// on one execution provider, or tfjs) serving epochs, as bench/support/trainTorch.py does for
// PyTorch. After the trainer is built and one warm-up step made it prints {"ready": ...}; each
// line "epoch" on stdin runs one epoch (patch sampling and steps, as trainModel's loop does) and
// prints its CPU time (user + sys of this process), wall time and losses.
import '@tensorflow/tfjs-backend-wasm';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import type { VolumeGeometry } from '../../src/volume/geometry';
import { sessionOptionsFor, type OnnxRuntime } from '../../src/engine/backends/onnxRuntime';
import { prepareCase } from '../../src/engine/train/prepareCase';
import { Random } from '../../src/engine/train/random';
import { DEFAULT_AUGMENTATION, samplePatch } from '../../src/engine/train/samplePatch';
import { createTrainer, trainingChoice } from '../../src/engine/train/trainerBackend';
import { trainingGraphBuilder } from '../../src/engine/train/trainingGraphBuilder';
import { ModelCardSchema } from '../../src/nn/modelCard';
import { CARD_FILE } from '../../src/nn/modelIo';
import { tf } from '../../src/nn/tf';
import { readSafetensors } from '../../src/nn/weights/readSafetensors';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    volume: { type: 'string' },
    labels: { type: 'string' },
    dims: { type: 'string' },
    batch: { type: 'string', default: '2' },
    steps: { type: 'string', default: '8' },
    threads: { type: 'string', default: '1' },
    backend: { type: 'string', default: 'onnx' },
    provider: { type: 'string', default: 'cpu' },
    /** a folder: ONNX Runtime's profile of the steps, summed by operator, as the last line */
    profile: { type: 'string' },
  },
});
const [batch, steps, threads] = [values.batch, values.steps, values.threads].map(Number);
const dir = values.model ?? '';
const card = ModelCardSchema.parse(JSON.parse(readFileSync(join(dir, CARD_FILE), 'utf8')));
const weights = readSafetensors(new Uint8Array(readFileSync(join(dir, card.weights))));
const [d, h, w] = (values.dims ?? '').split(',').map(Number);
const geometry: VolumeGeometry = {
  dimensions: [w, h, d],
  spacing: card.inputSpacing,
  origin: [0, 0, 0],
  direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
};
const voxels = new Int16Array(readFileSync(values.volume ?? '').buffer.slice(0));
const labels = new Uint8Array(readFileSync(values.labels ?? ''));
const prepared = prepareCase(
  { id: 'phantom', volume: { geometry, voxels }, labels },
  card.inputSpacing,
  card.intensity,
  card.classes.length,
);

await tf.setBackend('wasm');
const provider = values.provider ?? 'cpu';
const onnx: OnnxRuntime = {
  ort,
  name: `onnxruntime-${provider}`,
  sessionOptions: {
    ...sessionOptionsFor(provider, threads),
    ...(values.profile
      ? { enableProfiling: true, profileFilePrefix: join(values.profile, 'train') }
      : {}),
  },
};
const { trainer } = await createTrainer(
  {
    choice: trainingChoice(values.backend),
    onnx,
    build: trainingGraphBuilder,
    tfjs: tf.getBackend(),
  },
  { weights },
  { card, patch: card.patchSize, batch, batchNorm: 'frozen' },
);

// The PyTorch side's augmentation: flips on every axis, a third of the patches on foreground.
const augmentation = {
  ...DEFAULT_AUGMENTATION,
  maxRotation: 0,
  intensityScale: 0,
  intensityShift: 0,
};
const rng = new Random(1);
const voxelsPerPatch = card.patchSize.reduce((a, b) => a * b, 1);
const image = new Float32Array(batch * voxelsPerPatch);
const patchLabels = new Uint8Array(batch * voxelsPerPatch);
const step = async () => {
  for (let b = 0; b < batch; b++)
    samplePatch(
      prepared,
      card.patchSize,
      rng,
      augmentation,
      image,
      patchLabels,
      b * voxelsPerPatch,
    );
  return trainer.step(image, patchLabels, batch);
};

await step(); // warm-up: session arenas, kernel choice, first-call allocations
console.log(JSON.stringify({ ready: true, backend: trainer.backend, threads }));
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() !== 'epoch') break;
  const cpu = process.cpuUsage();
  const wall = performance.now();
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) losses.push(await step());
  const used = process.cpuUsage(cpu);
  console.log(
    JSON.stringify({
      cpuMs: (used.user + used.system) / 1000,
      wallMs: performance.now() - wall,
      losses,
    }),
  );
}
await trainer.dispose();

if (values.profile) {
  // The session wrote its trace on release: kernel time by operator type.
  const [file] = readdirSync(values.profile).filter((f) => f.startsWith('train'));
  const events = JSON.parse(readFileSync(join(values.profile, file), 'utf8')) as {
    cat: string;
    name: string;
    dur: number;
    args?: { op_name?: string };
  }[];
  const byOp: Record<string, number> = {};
  for (const e of events)
    if (e.cat === 'Node' && e.name.endsWith('_kernel_time') && e.args?.op_name)
      byOp[e.args.op_name] = (byOp[e.args.op_name] ?? 0) + e.dur / 1000;
  console.log(JSON.stringify({ profileMs: byOp }));
}
