import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import '@tensorflow/tfjs-backend-wasm';
import type { VolumeGeometry } from '../../src/volume/geometry';
import { Engine } from '../../src/engine/Engine';
import { inferVolume } from '../../src/engine/inference/inferVolume';
import { mirroredPredictor } from '../../src/engine/inference/mirroredPredictor';
import type { PatchPredictor } from '../../src/engine/inference/PatchPredictor';
import { inferencePlan } from '../../src/engine/models/inferencePlan';
import { loadModelEntries } from '../../src/engine/models/loadModelEntries';
import { thresholdNetwork } from '../../src/engine/models/thresholdNetwork';
import {
  buildSegmenter,
  configFromCard,
  createPredictor,
  loadModel,
  saveModel,
  type ModelCard,
} from '../../src/nn';
import { tf } from '../../src/nn/tf';
import type { Volume } from '../../src/volume/Volume';
import { tinyCard } from '../helpers/tinyCard';

const geometry = (
  dimensions: [number, number, number],
  spacing: [number, number, number],
): VolumeGeometry => ({
  dimensions,
  spacing,
  origin: [-20, 10, 5],
  direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
});

/** A bright ball of radius r mm in a dark box, on the given grid. */
function ball(g: VolumeGeometry, radius: number): Volume {
  const [nx, ny, nz] = g.dimensions;
  const centre = g.dimensions.map((n, a) => ((n - 1) * g.spacing[a]) / 2);
  const voxels = new Int16Array(nx * ny * nz);
  for (let k = 0, n = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, n++) {
        const r = Math.hypot(
          i * g.spacing[0] - centre[0],
          j * g.spacing[1] - centre[1],
          k * g.spacing[2] - centre[2],
        );
        voxels[n] = r < radius ? 200 : 0;
      }
  return { geometry: g, voxels };
}

function dice(a: Uint8Array, b: Uint8Array): number {
  let both = 0;
  let sum = 0;
  for (let n = 0; n < a.length; n++) {
    both += a[n] && b[n] ? 1 : 0;
    sum += (a[n] ? 1 : 0) + (b[n] ? 1 : 0);
  }
  return (2 * both) / sum;
}

const threshold = (t: number): PatchPredictor =>
  thresholdNetwork(tf, {
    id: 't',
    name: 't',
    architecture: 'threshold-conv1x1x1',
    classes: ['background', 'ball'],
    threshold: t,
    sharpness: 10,
    patchSize: [8, 8, 8],
    overlap: 0.5,
    batchSize: 2,
  });

before(async () => {
  await tf.setBackend('wasm');
});

test('the card normalisation is applied before the network: a window maps 200 HU to 1', async () => {
  const volume = ball(geometry([20, 18, 16], [1, 1, 1]), 6);
  const labels = await inferVolume(volume, threshold(0.5), {
    patchSize: [8, 8, 8],
    overlap: 0.5,
    batchSize: 4,
    normalisation: { kind: 'window', min: 0, max: 200 },
  });
  for (let n = 0; n < labels.length; n++) assert.equal(labels[n], volume.voxels[n] > 100 ? 1 : 0);
});

test('a volume finer than the model is resampled to its spacing and the labels come back on its grid', async () => {
  const volume = ball(geometry([41, 37, 33], [0.5, 0.5, 0.5]), 6);
  const expected = Uint8Array.from(volume.voxels, (v) => (v > 100 ? 1 : 0));
  const labels = await inferVolume(volume, threshold(100), {
    patchSize: [8, 8, 8],
    overlap: 0.5,
    batchSize: 4,
    spacing: [1, 1, 1],
    normalisation: { kind: 'none' },
  });
  assert.equal(labels.length, volume.voxels.length);
  const score = dice(labels, expected);
  assert.ok(
    score > 0.9 && score < 1,
    `Dice ${score}: close to the truth, but through a coarser grid`,
  );
});

test('mirroring flips each prediction back before averaging', async () => {
  // A network that ignores its input and answers its own x position: mirrored and flipped
  // back, the average is the same at every x.
  const positional: PatchPredictor = {
    channels: 1,
    async predict(input, count, patch) {
      return Float32Array.from({ length: input.length }, (_, n) => n % patch[2]);
    },
  };
  const out = await mirroredPredictor(positional, [2]).predict(
    new Float32Array(2 * 4 * 4 * 6),
    2,
    [4, 4, 6],
  );
  for (const v of out) assert.equal(v, 2.5);
});

const card = (): ModelCard =>
  tinyCard({
    name: 'tiny ACS',
    decoderChannels: [8, 8, 4, 4],
    conversion: { from: '2d', method: 'none' },
    classes: ['background', 'ball'],
    inputSpacing: [1, 1, 1],
    intensity: { kind: 'window', min: 0, max: 200 },
  });

let engine: Engine;
before(async () => {
  engine = await Engine.start({ backends: 'wasm' });
});
after(() => engine.close());

test('a saved ResNet model runs in the engine worker as it runs in process', async () => {
  const models = mkdtempSync(join(tmpdir(), 'models-'));
  const model = buildSegmenter(configFromCard(card()), { seed: 3 });
  await saveModel(join(models, 'tiny-acs'), model, card());
  const [entry] = await loadModelEntries(models);
  assert.equal(entry.kind, 'network');
  const volume = ball(geometry([40, 36, 34], [1, 1, 1]), 10);
  const viaWorker = await engine.infer('job-net', entry, volume, () => {}).result;
  const loaded = await loadModel(entry.dir);
  const inProcess = await inferVolume(
    volume,
    createPredictor(loaded.model, 'repeat'),
    inferencePlan(entry),
  );
  assert.deepEqual(viaWorker, inProcess);
  assert.equal(viaWorker.length, 40 * 36 * 34);
});
