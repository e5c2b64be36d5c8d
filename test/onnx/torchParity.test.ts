import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { importTorchvision } from '../../src/nn/importTorchvision';
import { disposeSegmenter, exportStateDict } from '../../src/nn/segmenter';
import type { HostTensor, StateDict } from '../../src/nn/weights/hostTensor';
import { readPth } from '../../src/nn/weights/readPth';
import { readSafetensors } from '../../src/nn/weights/readSafetensors';
import { exportSegmenterOnnx } from '../../src/onnx/exportSegmenter';
import { useWasm } from '../nn/setup';
import { runTorchReference, torchMissing } from '../nn/torchReference';
import { checkWithOnnx, cpuRuntime } from './onnxHelpers';

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

for (const kind of ['2d', 'acs', '3d'] as const) {
  test(
    `${kind}: the exported graph of torchvision ResNet-18 weights gives PyTorch's logits`,
    { skip: missing },
    async (t) => {
      // The same network the PyTorch reference builds (test/nn/reference/torch_reference.py).
      const model = importTorchvision(
        { kind, numClasses: 3 },
        weights,
        { method: 'scale' },
        'resnet18.pth',
      );
      const graph = exportSegmenterOnnx(model.config, exportStateDict(model), { output: 'logits' });
      disposeSegmenter(model);
      const rt = await cpuRuntime();
      const session = await rt.ort.InferenceSession.create(graph, rt.sessionOptions);
      const x = ref('x');
      const result = await session.run({ input: new rt.ort.Tensor('float32', x.data, x.shape) });
      await session.release();
      const want = ref(`${kind}/logits`);
      const got = result.logits;
      assert.deepEqual(got.dims, want.shape);
      const data = got.data as Float32Array;
      let diff = 0;
      let scale = 0;
      for (let i = 0; i < data.length; i++) {
        diff = Math.max(diff, Math.abs(data[i] - want.data[i]));
        scale = Math.max(scale, Math.abs(want.data[i]));
      }
      t.diagnostic(
        `${kind}: logits max abs diff ${diff.toExponential(2)} (max |logit| ${scale.toFixed(2)})`,
      );
      assert.ok(diff < 1e-4, `${kind}: logits differ from PyTorch's by ${diff}`);
      const { skipped, failures } = checkWithOnnx(new Map([[kind, graph]]));
      if (!skipped) assert.deepEqual(failures, []);
    },
  );
}
