// Peak memory of a whole-volume inference on a sagittal 512x512x300 series (issue 17): read
// through index strides, it holds no float copy of the volume, where the former path resampled
// the whole volume into float32 (4 bytes a voxel) and its labels twice.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import '@tensorflow/tfjs-backend-wasm';
import { inferVolume, type InferencePlan } from '../../src/engine/inference/inferVolume';
import type { PatchPredictor } from '../../src/engine/inference/PatchPredictor';
import { thresholdNetwork } from '../../src/engine/models/thresholdNetwork';
import { tf } from '../../src/nn/tf';
import type { Volume } from '../../src/volume/Volume';
import { resampleThenInfer } from '../helpers/resampleThenInfer';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const MiB = 2 ** 20;
const [cols, rows, slices] = [512, 512, 300];

/** A head-sized ball, stored sagittally: rows posterior, columns inferior, slices to the right. */
function sagittalSeries(): Volume {
  const voxels = new Int16Array(cols * rows * slices);
  for (let k = 0, n = 0; k < slices; k++)
    for (let j = 0; j < rows; j++)
      for (let i = 0; i < cols; i++, n++) {
        const r = ((i - 256) / 200) ** 2 + ((j - 300) / 220) ** 2 + ((k - 150) / 130) ** 2;
        voxels[n] = r < 1 ? 300 + ((i * 7 + j * 3 + k) % 50) : 0;
      }
  return {
    geometry: {
      dimensions: [cols, rows, slices],
      spacing: [0.5, 0.5, 0.6],
      origin: [90, -120, 130],
      direction: [0, 1, 0, 0, 0, -1, -1, 0, 0],
    },
    voxels,
  };
}

// Canonical dims are [512 (S), 512 (P), 300 (L)]: whole patches, no overlap, 32 of them.
const plan: InferencePlan = {
  patchSize: [64, 256, 150],
  overlap: 0,
  batchSize: 1,
  normalisation: { kind: 'window', min: 0, max: 400 },
};

let network: PatchPredictor;
before(async () => {
  await tf.setBackend('wasm');
  network = thresholdNetwork(tf, {
    id: 't',
    name: 't',
    architecture: 'threshold-conv1x1x1',
    classes: ['background', 'head'],
    threshold: 0.5,
    sharpness: 10,
    patchSize: plan.patchSize,
    overlap: 0,
    batchSize: 1,
  });
  // The wasm heap grows to a patch's size once and stays: before either run, not inside one.
  const voxels = plan.patchSize.reduce((a, b) => a * b);
  await network.predict(new Float32Array(voxels), 1, plan.patchSize);
});

/** Runs `infer` and samples live memory at every forward pass (the whole run's working set is live then). */
async function peakOf(infer: (p: PatchPredictor) => Promise<Uint8Array>) {
  gc();
  const start = process.memoryUsage();
  let arrayBuffers = start.arrayBuffers;
  let rss = start.rss;
  const started = performance.now();
  const cpu = process.cpuUsage();
  const labels = await infer({
    channels: network.channels,
    predict(input, count, patch) {
      // Collected first, so that the peak is what the run holds, not garbage awaiting a collection.
      gc();
      const now = process.memoryUsage();
      arrayBuffers = Math.max(arrayBuffers, now.arrayBuffers);
      rss = Math.max(rss, now.rss);
      return network.predict(input, count, patch);
    },
  });
  const { user, system } = process.cpuUsage(cpu);
  return {
    labels,
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: (user + system) / 1e6,
    arrayBuffers: arrayBuffers - start.arrayBuffers,
    rss: rss - start.rss,
  };
}

test('a sagittal 512x512x300 series is segmented with no whole-volume float copy', async () => {
  const volume = sagittalSeries();
  const after = await peakOf((p) => inferVolume(volume, p, plan));
  const before = await peakOf((p) => resampleThenInfer(volume, p, plan));
  const say = (name: string, m: typeof after) =>
    console.log(
      `${name}: ${m.seconds.toFixed(1)} s (CPU ${m.cpuSeconds.toFixed(1)} s), peak over the start: array buffers +${(m.arrayBuffers / MiB).toFixed(0)} MiB, resident +${(m.rss / MiB).toFixed(0)} MiB`,
    );
  say('sagittal 512x512x300, before (whole resample)', before);
  say('sagittal 512x512x300, after (index strides)', after);
  assert.deepEqual(after.labels, before.labels);
  let head = 0;
  for (const label of after.labels) head += label;
  assert.ok(head > 0.2 * after.labels.length, `${head} head voxels`);
  const floatCopy = volume.voxels.length * 4;
  assert.ok(
    // Measured 122 to 300 MiB lower (the float copy is 300 MiB; how much of the resample's
    // garbage is still uncollected at a forward pass varies): a quarter of it is beyond noise.
    before.arrayBuffers - after.arrayBuffers > floatCopy / 4,
    `the peak falls by most of the float copy (${floatCopy / MiB} MiB): ${(before.arrayBuffers / MiB).toFixed(0)} -> ${(after.arrayBuffers / MiB).toFixed(0)} MiB`,
  );
});
