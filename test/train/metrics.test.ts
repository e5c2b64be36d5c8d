import assert from 'node:assert/strict';
import { test } from 'node:test';
import { segmentationMetrics } from '../../src/engine/train/metrics';
import { prepareCase } from '../../src/engine/train/prepareCase';
import { Random } from '../../src/engine/train/random';
import { DEFAULT_AUGMENTATION, samplePatch } from '../../src/engine/train/samplePatch';

test('Dice and IoU per class, background left out of the means', () => {
  const truth = Uint8Array.from([0, 0, 1, 1, 1, 2, 2, 0]);
  const pred = Uint8Array.from([0, 1, 1, 1, 0, 2, 2, 2]);
  const m = segmentationMetrics(pred, truth, 3);
  assert.equal(m.dice[1], (2 * 2) / (3 + 3));
  assert.equal(m.iou[1], 2 / 4);
  assert.equal(m.dice[2], (2 * 2) / (2 + 3));
  assert.equal(m.iou[2], 2 / 3);
  assert.equal(m.meanDice, (m.dice[1] + m.dice[2]) / 2);
  assert.equal(m.meanIou, (m.iou[1] + m.iou[2]) / 2);
});

test('sampled patches keep image and labels aligned through rotation, flips and jitter', () => {
  // Label = 1 exactly where the image is bright: any misalignment shows as disagreement.
  const dims: [number, number, number] = [12, 20, 20];
  const voxels = new Int16Array(12 * 20 * 20);
  const labels = new Uint8Array(voxels.length);
  for (let n = 0; n < voxels.length; n++) {
    const [z, y, x] = [Math.floor(n / 400), Math.floor(n / 20) % 20, n % 20];
    const inside = Math.hypot(y - 9.5, x - 9.5, (z - 5.5) * 1.5) < 6;
    voxels[n] = inside ? 1000 : 0;
    labels[n] = inside ? 1 : 0;
  }
  const prepared = prepareCase(
    {
      id: 'ball',
      volume: {
        geometry: {
          dimensions: [20, 20, 12],
          spacing: [1, 1, 1],
          origin: [0, 0, 0],
          direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
        },
        voxels,
      },
      labels,
    },
    [1, 1, 1],
    { kind: 'window', min: 0, max: 1000 },
    2,
  );
  assert.deepEqual(prepared.dims, dims);
  const rng = new Random(1);
  const patch: [number, number, number] = [8, 8, 8];
  const image = new Float32Array(512);
  const out = new Uint8Array(512);
  let foregroundPatches = 0;
  for (let draw = 0; draw < 200; draw++) {
    samplePatch(
      prepared,
      patch,
      rng,
      { ...DEFAULT_AUGMENTATION, foregroundShare: 0.5 },
      image,
      out,
      0,
    );
    let agree = 0;
    for (let n = 0; n < 512; n++) if (image[n] > 0.5 === (out[n] === 1)) agree++;
    assert.ok(agree / 512 > 0.93, `draw ${draw}: image and labels agree on ${agree}/512`);
    if (out.includes(1)) foregroundPatches++;
  }
  assert.ok(foregroundPatches >= 100, `${foregroundPatches}/200 patches hold foreground`);
});
