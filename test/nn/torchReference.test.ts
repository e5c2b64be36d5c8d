import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { importTorchvision } from '../../src/nn/importTorchvision';
import { disposeSegmenter, forward, type Segmenter } from '../../src/nn/segmenter';
import { tf } from '../../src/nn/tf';
import { lossAndGradients } from '../../src/nn/training';
import type { HostTensor, StateDict } from '../../src/nn/weights/hostTensor';
import { readPth } from '../../src/nn/weights/readPth';
import { readSafetensors } from '../../src/nn/weights/readSafetensors';
import { runTorchReference, torchMissing } from './torchReference';
import { useWasm } from './setup';

const missing = torchMissing();
let dir = '';
let reference: StateDict = new Map();
let weights: StateDict = new Map();

before(async () => {
  await useWasm();
  if (missing) return;
  dir = runTorchReference();
  reference = readSafetensors(new Uint8Array(readFileSync(join(dir, 'reference.safetensors'))));
  const encoder = readPth(new Uint8Array(readFileSync(join(dir, 'resnet18.pth'))), 'resnet18.pth');
  const decoder = readSafetensors(new Uint8Array(readFileSync(join(dir, 'decoder.safetensors'))));
  weights = new Map([...encoder, ...decoder]);
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function ref(name: string): HostTensor {
  const t = reference.get(name);
  assert.ok(t, `reference has no ${name}`);
  return t;
}

/** [N, C, D, H, W] (PyTorch) to [N, D, H, W, C] (ours). */
function channelsLast(t: HostTensor): tf.Tensor5D {
  return tf.tidy(
    () => tf.transpose(tf.tensor<tf.Rank>(t.data, t.shape), [0, 2, 3, 4, 1]) as tf.Tensor5D,
  );
}

/** Our kernel layout ([(T,) kh, kw, in, out]) back to PyTorch's. */
function torchLayout(g: tf.Tensor): tf.Tensor {
  if (g.rank === 4) return tf.transpose(g, [3, 2, 0, 1]);
  if (g.rank === 5) return tf.transpose(g, [4, 3, 0, 1, 2]);
  return g.clone();
}

function maxAbs(t: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(t)).dataSync()[0]);
}

for (const kind of ['2d', 'acs', '3d'] as const) {
  test(
    `${kind}: torchvision .pth weights give PyTorch's outputs and gradients`,
    { skip: missing },
    (t) => {
      const model: Segmenter = importTorchvision(
        { kind, numClasses: 3 },
        weights,
        { method: 'scale' },
        'resnet18.pth',
      );
      const x = channelsLast(ref('x'));
      const labels = tf.tensor<tf.Rank>(
        ref('labels').data,
        ref('labels').shape,
        'int32',
      ) as tf.Tensor4D;
      const want = channelsLast(ref(`${kind}/logits`));
      const got = forward(model, x);
      const diff = maxAbs(tf.sub(got, want));
      assert.ok(diff < 1e-4, `${kind} logits differ by ${diff} (scale ${maxAbs(want)})`);
      t.diagnostic(
        `${kind}: logits max abs diff ${diff.toExponential(2)} (max |logit| ${maxAbs(want).toFixed(2)})`,
      );
      let worstGradient = 0;

      const { loss, grads } = lossAndGradients(model, x, labels);
      assert.ok(
        Math.abs(loss - ref(`${kind}/loss`).data[0]) < 1e-4,
        `loss ${loss} vs ${ref(`${kind}/loss`).data[0]}`,
      );
      const prefix = `${kind}/grad/`;
      const checked = [...reference.keys()].filter((k) => k.startsWith(prefix));
      assert.ok(checked.length >= 10);
      for (const key of checked) {
        const name = key.slice(prefix.length);
        const g = grads.get(name);
        assert.ok(g, `no gradient for ${name}`);
        const wantG = ref(key);
        const ours = torchLayout(g);
        assert.deepEqual(ours.shape, wantG.shape, name);
        const d = maxAbs(tf.sub(ours, tf.tensor(wantG.data, wantG.shape)));
        const scale = wantG.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        assert.ok(
          d <= 1e-4 * Math.max(1, scale),
          `${kind} gradient of ${name} differs by ${d} (scale ${scale})`,
        );
        worstGradient = Math.max(worstGradient, d / Math.max(1, scale));
        ours.dispose();
      }
      t.diagnostic(
        `${kind}: gradients max abs diff / max(1, max |grad|) ${worstGradient.toExponential(2)} over ${checked.length} tensors`,
      );
      for (const g of grads.values()) g.dispose();
      tf.dispose([x, labels, want, got]);
      disposeSegmenter(model);
    },
  );
}

test(
  "2d with batch statistics: PyTorch's training-mode batch norm, gradients and running update",
  { skip: missing },
  () => {
    const model = importTorchvision(
      { kind: '2d', numClasses: 3 },
      weights,
      { method: 'scale' },
      'resnet18.pth',
    );
    const x = channelsLast(ref('x'));
    const labels = tf.tensor<tf.Rank>(
      ref('labels').data,
      ref('labels').shape,
      'int32',
    ) as tf.Tensor4D;
    const { loss, grads } = lossAndGradients(model, x, labels, { batchNorm: 'batch' });
    assert.ok(
      Math.abs(loss - ref('2d-bn/loss').data[0]) < 1e-4,
      `loss ${loss} vs ${ref('2d-bn/loss').data[0]}`,
    );
    const prefix = '2d-bn/grad/';
    const checked = [...reference.keys()].filter((k) => k.startsWith(prefix));
    assert.ok(checked.length >= 10);
    for (const key of checked) {
      const name = key.slice(prefix.length);
      const g = grads.get(name);
      assert.ok(g, `no gradient for ${name}`);
      const ours = torchLayout(g);
      const wantG = ref(key);
      const d = maxAbs(tf.sub(ours, tf.tensor(wantG.data, wantG.shape)));
      const scale = wantG.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      assert.ok(
        d <= 1e-4 * Math.max(1, scale),
        `gradient of ${name} differs by ${d} (scale ${scale})`,
      );
      ours.dispose();
    }
    for (const name of ['bn1', 'layer4.1.bn2', 'decoder.3.bn']) {
      for (const stat of ['running_mean', 'running_var']) {
        const want = ref(`2d-bn/${name}.${stat}`);
        const got = model.params.get(`${name}.${stat}`);
        assert.ok(got);
        const d = maxAbs(tf.sub(got, tf.tensor(want.data, want.shape)));
        assert.ok(d < 1e-5, `${name}.${stat} differs by ${d}`);
      }
    }
    for (const g of grads.values()) g.dispose();
    tf.dispose([x, labels]);
    disposeSegmenter(model);
  },
);
