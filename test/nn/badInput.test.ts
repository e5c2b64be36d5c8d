import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { SegmenterConfig } from '../../src/nn/architecture';
import type { ModelCard } from '../../src/nn/modelCard';
import { loadModel, ModelCardError, saveModel } from '../../src/nn/modelIo';
import {
  buildSegmenter,
  disposeSegmenter,
  exportStateDict,
  forward,
  predict,
} from '../../src/nn/segmenter';
import { tf } from '../../src/nn/tf';
import { readPth, WeightFileError } from '../../src/nn/weights/readPth';
import { readSafetensors, writeSafetensors } from '../../src/nn/weights/readSafetensors';
import { WeightMismatchError } from '../../src/nn/weights/matchStateDict';
import { PYTHON, torchMissing } from './torchReference';
import { useWasm } from './setup';
import { tinyCard } from '../helpers/tinyCard';

const dir = mkdtempSync(join(tmpdir(), 'nn-bad-'));
before(useWasm);
after(() => rmSync(dir, { recursive: true, force: true }));

const small: Partial<SegmenterConfig> = {
  baseWidth: 4,
  decoderChannels: [8, 8, 4, 4],
  numClasses: 2,
  kind: 'acs',
};

function card(overrides: Partial<ModelCard> = {}): ModelCard {
  return tinyCard({
    name: 'test',
    decoderChannels: [8, 8, 4, 4],
    conversion: { from: '2d', method: 'none' },
    classes: ['background', 'organ'],
    inputSpacing: [1, 1, 1],
    intensity: { kind: 'window', min: -200, max: 300 },
    ...overrides,
  });
}

test(
  '.pth: dtypes, strides and nesting are read as torch wrote them',
  { skip: torchMissing() },
  () => {
    const file = join(dir, 'mixed.pth');
    const code = `
import torch
a = torch.arange(6, dtype=torch.float32).reshape(2, 3)
torch.save({'state_dict': {'module.t': a.t(), 'h': torch.tensor([0.5, -2.0, 65504.0], dtype=torch.float16),
  'd': torch.tensor([1.25, -3.5], dtype=torch.float64), 'n': torch.tensor(7), 'p': torch.nn.Parameter(a[1])}}, '${file}')`;
    const run = spawnSync(PYTHON, ['-c', code], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const state = readPth(new Uint8Array(readFileSync(file)));
    assert.deepEqual(state.get('t')?.shape, [3, 2]);
    assert.deepEqual([...(state.get('t')?.data ?? [])], [0, 3, 1, 4, 2, 5]);
    assert.deepEqual([...(state.get('h')?.data ?? [])], [0.5, -2, 65504]);
    assert.deepEqual([...(state.get('d')?.data ?? [])], [1.25, -3.5]);
    assert.deepEqual([...(state.get('n')?.data ?? [])], [7]);
    assert.deepEqual([...(state.get('p')?.data ?? [])], [3, 4, 5]);
  },
);

test('a wrong or truncated weight file is a clear error', () => {
  assert.throws(
    () => readPth(new TextEncoder().encode('not a checkpoint at all')),
    (e: Error) => e instanceof WeightFileError && /not a zip archive/.test(e.message),
  );
  const model = buildSegmenter(small);
  const bytes = writeSafetensors(exportStateDict(model));
  assert.equal(readSafetensors(bytes).size, model.params.size);
  assert.throws(
    () => readSafetensors(bytes.subarray(0, bytes.length - 100)),
    (e: Error) =>
      e instanceof WeightFileError && /truncated: tensor .* ends at byte/.test(e.message),
  );
  assert.throws(() => readSafetensors(bytes.subarray(0, 6)), /truncated/);
  const garbage = bytes.slice();
  garbage.set(new TextEncoder().encode('{{{{'), 8);
  assert.throws(() => readSafetensors(garbage), /header is not JSON/);
  disposeSegmenter(model);
});

test('a truncated .pth is a clear error', { skip: torchMissing() }, () => {
  const file = join(dir, 'small.pth');
  const run = spawnSync(
    PYTHON,
    ['-c', `import torch; torch.save({'w': torch.ones(1000)}, '${file}')`],
    { encoding: 'utf8' },
  );
  assert.equal(run.status, 0, run.stderr);
  const bytes = new Uint8Array(readFileSync(file));
  assert.throws(
    () => readPth(bytes.subarray(0, Math.floor(bytes.length / 2))),
    (e: Error) => e instanceof WeightFileError && /damaged or truncated/.test(e.message),
  );
});

test('weights that do not fit the network name every missing, unexpected and misshapen tensor', () => {
  const model = buildSegmenter(small);
  const state = exportStateDict(model);
  state.delete('layer2.0.downsample.0.weight');
  state.set('fc.weight', { shape: [10, 32], data: new Float32Array(320) });
  state.set('layer1.0.conv1.weight', { shape: [4, 4, 5, 5], data: new Float32Array(400) });
  assert.throws(
    () => buildSegmenter(small, { weights: state, source: 'test.safetensors' }),
    (e: Error) =>
      e instanceof WeightMismatchError &&
      /test\.safetensors does not match the network \(3 problems\)/.test(e.message) &&
      /missing: layer2\.0\.downsample\.0\.weight/.test(e.message) &&
      /unexpected: fc\.weight/.test(e.message) &&
      /wrong shape: layer1\.0\.conv1\.weight is \[4, 4, 5, 5\], the network needs \[4, 4, 3, 3\]/.test(
        e.message,
      ),
  );
  disposeSegmenter(model);
});

test('a model round-trips through its card and weights; a card that does not match its weights is refused', async () => {
  const model = buildSegmenter(small, { seed: 9 });
  const modelDir = join(dir, 'model');
  await saveModel(modelDir, model, card());
  const loaded = await loadModel(modelDir);
  const x = tf.randomNormal([1, 32, 32, 32, 3], 0, 1, 'float32', 4) as tf.Tensor5D;
  const a = predict(model, x);
  const b = predict(loaded.model, x);
  assert.equal(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0], 0);
  tf.dispose([x, a, b]);
  disposeSegmenter(loaded.model);

  await assert.rejects(
    saveModel(modelDir, model, card({ baseWidth: 8 })),
    /card does not describe this network: baseWidth/,
  );
  const cardPath = join(modelDir, 'model.json');
  writeFileSync(cardPath, JSON.stringify(card({ classes: ['background', 'liver', 'tumour'] })));
  await assert.rejects(
    loadModel(modelDir),
    (e: Error) =>
      e instanceof WeightMismatchError &&
      /wrong shape: head\.weight is \[2, 4, 1, 1\], the network needs \[3, 4, 1, 1\]/.test(
        e.message,
      ),
  );
  writeFileSync(cardPath, JSON.stringify(card({ kind: '3d' })));
  await assert.rejects(
    loadModel(modelDir),
    /wrong shape: conv1\.weight is \[4, 3, 7, 7\], the network needs \[4, 3, 7, 7, 7\]/,
  );
  writeFileSync(cardPath, JSON.stringify({ ...card(), classes: ['only'] }));
  await assert.rejects(
    loadModel(modelDir),
    (e: Error) => e instanceof ModelCardError && /classes/.test(e.message),
  );
  disposeSegmenter(model);
});

test("a patch too small for the network's strides is a clear error", () => {
  const model = buildSegmenter(small);
  const x = tf.zeros([1, 16, 48, 40, 3]) as tf.Tensor5D;
  assert.throws(
    () => forward(model, x),
    /patch 16x48x40 does not fit the network: depth 16, height 48, width 40 must be a positive multiple of 32/,
  );
  const flat = buildSegmenter({ ...small, kind: '2d' });
  assert.throws(
    () => forward(flat, tf.zeros([1, 1, 32, 20, 3]) as tf.Tensor5D),
    /width 20 must be a positive multiple of 32/,
  );
  assert.throws(
    () => forward(flat, tf.zeros([1, 1, 32, 32, 1]) as tf.Tensor5D),
    /takes 3 input channels, the patch has 1/,
  );
  x.dispose();
  disposeSegmenter(model);
  disposeSegmenter(flat);
});
