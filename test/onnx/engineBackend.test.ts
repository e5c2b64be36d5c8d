import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadOnnxRuntime } from '../../src/engine/backends/onnxRuntime';
import { Engine } from '../../src/engine/Engine';
import { loadModelEntries } from '../../src/engine/models/loadModelEntries';
import type { Volume } from '../../src/volume/Volume';

/** A smooth volume with a bright blob: a real network's labels are not all one class on it. */
function volume(dims: [number, number, number]): Volume {
  const [nx, ny, nz] = dims;
  const voxels = new Int16Array(nx * ny * nz);
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const r = Math.hypot(x - nx / 2, y - ny / 3, z - nz / 2);
        voxels[(z * ny + y) * nx + x] = Math.round(
          1000 * Math.exp(-r / 8) + 40 * Math.sin(x + 2 * y),
        );
      }
  return {
    geometry: {
      dimensions: dims,
      // The fixture model's own spacing: the sliding window runs on these voxels as they are.
      spacing: [4, 4, 4],
      origin: [0, 0, 0],
      direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
    },
    voxels,
  };
}

test('onnxruntime-node loads with a GPU provider tried first and the CPU on every core', async () => {
  const { runtime, attempts } = await loadOnnxRuntime({ platform: 'linux', threads: 2 });
  assert.equal(runtime?.name, 'onnxruntime-cpu');
  assert.deepEqual(
    attempts.map((a) => a.name),
    ['onnxruntime-cuda', 'onnxruntime-webgpu', 'onnxruntime-cpu'],
  );
  // This machine has no CUDA provider library: the attempt fails and says so.
  assert.equal(attempts[0].loaded, false);
  assert.match(attempts[0].reason, /libonnxruntime_providers_cuda\.so is not installed/);
  // nor a GPU: Dawn refuses the software Vulkan driver (lavapipe) that Mesa installs
  assert.equal(attempts[1].loaded, false);
  assert.match(attempts[1].reason, /^Failed to get a WebGPU adapter/);
  assert.deepEqual(attempts.at(-1), {
    name: 'onnxruntime-cpu',
    loaded: true,
    reason: 'running on onnxruntime-cpu, 2 threads',
  });
});

test('a missing native binary: ONNX Runtime is reported as not loaded', async () => {
  const { runtime, attempts } = await loadOnnxRuntime({
    importModule: async () => {
      throw new Error("Cannot find module '/x/onnxruntime_binding.node'");
    },
  });
  assert.equal(runtime, undefined);
  assert.match(attempts[0].reason, /^not installed/);
});

test('whole-volume inference: ONNX Runtime in the engine gives the labels tfjs gives', async () => {
  const [model] = await loadModelEntries('test/fixtures/onnx-models');
  const v = volume([45, 40, 38]);
  const onnx = await Engine.start({ backends: 'wasm', inference: 'auto' });
  // onnxruntime-node "missing": the engine falls back to tfjs and says why.
  const tfjs = await Engine.start({
    backends: 'wasm',
    inference: 'auto',
    onnxModule: 'onnxruntime-node-not-installed',
  });
  try {
    assert.equal(onnx.backend.backend, 'wasm');
    assert.equal(onnx.backend.inference?.backend, 'onnxruntime-cpu');
    assert.equal(tfjs.backend.inference?.backend, 'wasm');
    assert.match(tfjs.backend.inference?.attempts[0].reason ?? '', /^not installed/);
    const [a, b] = await Promise.all([
      onnx.infer('onnx', model, v, () => {}).result,
      tfjs.infer('tfjs', model, v, () => {}).result,
    ]);
    const counts = [0, 0];
    let differ = 0;
    for (let i = 0; i < a.length; i++) {
      counts[a[i]]++;
      if (a[i] !== b[i]) differ++;
    }
    assert.ok(counts[0] > 0 && counts[1] > 0, `labels all one class: ${counts.join(', ')}`);
    assert.equal(differ, 0, `${differ} of ${a.length} labels differ`);
  } finally {
    await Promise.all([onnx.close(), tfjs.close()]);
  }
});

test('forcing onnx where it does not load fails with the reason; forcing tfjs never loads it', async () => {
  await assert.rejects(
    Engine.start({ backends: 'wasm', inference: 'onnx', onnxModule: 'onnxruntime-node-absent' }),
    /inference is set to onnx but ONNX Runtime did not load \(onnxruntime: not installed/,
  );
  const engine = await Engine.start({ backends: 'wasm', inference: 'tfjs' });
  try {
    assert.equal(engine.backend.inference?.backend, 'wasm');
    assert.match(engine.backend.inference?.attempts[0].reason ?? '', /inference set to tfjs/);
  } finally {
    await engine.close();
  }
});
